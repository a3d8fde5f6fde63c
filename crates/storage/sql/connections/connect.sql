INSERT INTO connections (id, org_id, provider, tenant_id, tenant_name, status, connected_by, created_at)
VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7)
ON CONFLICT (org_id, provider, tenant_id) DO UPDATE SET
tenant_name = COALESCE(excluded.tenant_name, connections.tenant_name),
connected_by = excluded.connected_by
RETURNING id

INSERT INTO connections (id, org_id, provider, tenant_id, status, created_at)
VALUES ($1, $2, $3, $4, 'pending', $5)

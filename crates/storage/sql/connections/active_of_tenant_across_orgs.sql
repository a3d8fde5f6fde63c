SELECT id, org_id, provider, tenant_id, tenant_name, status, last_synced_at, last_error,
refresh_expires_at, connected_by, created_at, synced_rows, next_sync_at FROM connections
WHERE provider = $1 AND tenant_id = $2 AND status = 'active' ORDER BY created_at, id

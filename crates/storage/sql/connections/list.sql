SELECT id, org_id, provider, tenant_id, tenant_name, status, last_synced_at, last_error,
refresh_expires_at, connected_by, created_at, synced_rows, next_sync_at FROM connections WHERE org_id = $1
ORDER BY created_at, id

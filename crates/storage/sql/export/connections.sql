SELECT id, provider, status, last_synced_at, created_at FROM connections
WHERE org_id = $1 ORDER BY created_at, id

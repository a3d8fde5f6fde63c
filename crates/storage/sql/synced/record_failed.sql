UPDATE connections SET last_error = $1, next_sync_at = $2
WHERE id = $3 AND org_id = $4

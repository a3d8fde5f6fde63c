UPDATE connections SET status = 'dead', last_error = $1, next_sync_at = NULL
WHERE id = $2 AND org_id = $3 AND status IN ('pending', 'active')

UPDATE connections SET status = 'active', last_synced_at = $1, synced_rows = $2,
next_sync_at = $3, last_error = NULL
WHERE id = $4 AND org_id = $5 AND status IN ('pending', 'active')

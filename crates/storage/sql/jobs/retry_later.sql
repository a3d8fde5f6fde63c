UPDATE jobs SET state = 'queued', run_at = $3, last_error = $4, lease_owner = NULL,
lease_expires_at = NULL
WHERE id = $1 AND lease_owner = $2 AND state = 'running'

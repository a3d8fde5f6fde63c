UPDATE jobs SET state = 'succeeded', finished_at = $3, lease_owner = NULL, lease_expires_at = NULL
WHERE id = $1 AND lease_owner = $2 AND state = 'running'

UPDATE jobs SET state = 'dead', finished_at = $1, lease_owner = NULL, lease_expires_at = NULL,
last_error = 'the worker stopped before finishing the last attempt'
WHERE state = 'running' AND lease_expires_at < $1 AND attempts >= max_attempts

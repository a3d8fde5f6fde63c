-- SQLite has one writer: the statement runs whole before another can claim.
UPDATE jobs SET state = 'running', lease_owner = $1, lease_expires_at = $2, attempts = attempts + 1
WHERE id IN (
    SELECT id FROM jobs
    WHERE (state = 'queued' AND run_at <= $3)
       OR (state = 'running' AND lease_expires_at < $3 AND attempts < max_attempts)
    ORDER BY run_at, id LIMIT $4
)
RETURNING id, kind, org_id, payload, idempotency_key, attempts, max_attempts

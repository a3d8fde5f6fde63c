INSERT INTO jobs (kind, org_id, payload, idempotency_key, state, run_at, max_attempts, created_at)
VALUES ($1, $2, $3, $4, 'queued', $5, $6, $7)
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING id

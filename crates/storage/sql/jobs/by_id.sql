SELECT id, kind, org_id, payload, idempotency_key, state, run_at, attempts, max_attempts,
lease_owner, lease_expires_at, last_error, created_at, finished_at
FROM jobs WHERE id = $1

SELECT id, kind, org_id, payload, idempotency_key, state, run_at, attempts, max_attempts,
lease_owner, lease_expires_at, last_error, created_at, finished_at
FROM jobs WHERE state = COALESCE($1, state) AND kind = COALESCE($2, kind)
ORDER BY id DESC LIMIT $3

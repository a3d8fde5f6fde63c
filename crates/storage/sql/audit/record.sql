INSERT INTO audit_events (org_id, actor_user_id, action, target, ip, details, created_at, prev_hash, row_hash)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id

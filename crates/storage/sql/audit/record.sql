INSERT INTO audit_events (org_id, actor_user_id, action, target, ip, details, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)

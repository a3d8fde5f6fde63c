SELECT id, actor_user_id, action, target, ip, details, created_at FROM audit_events
WHERE org_id = $1 AND (actor_user_id = $2 OR target = $3) ORDER BY id LIMIT $4

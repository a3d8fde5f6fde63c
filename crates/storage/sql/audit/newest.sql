SELECT id, actor_user_id, action, target, ip, details, created_at FROM audit_events
WHERE org_id = $1 ORDER BY id DESC LIMIT $2

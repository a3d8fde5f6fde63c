SELECT id, org_id, actor_user_id, action, target, ip, details, created_at, prev_hash, row_hash
FROM audit_events WHERE org_id = $1 AND id > $2 ORDER BY id

SELECT org_id, user_id, role FROM memberships WHERE org_id = $1 ORDER BY created_at, user_id

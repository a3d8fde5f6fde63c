SELECT org_id, user_id, role FROM memberships WHERE user_id = $1 ORDER BY created_at, org_id

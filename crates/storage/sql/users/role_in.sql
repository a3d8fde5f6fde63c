SELECT org_id, user_id, role FROM memberships WHERE org_id = $1 AND user_id = $2

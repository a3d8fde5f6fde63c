SELECT org_id, role FROM memberships WHERE user_id = $1 ORDER BY org_id

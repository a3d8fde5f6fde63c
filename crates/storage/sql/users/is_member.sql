SELECT user_id FROM memberships WHERE org_id = $1 AND user_id = $2

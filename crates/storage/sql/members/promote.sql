UPDATE memberships SET role = $3 WHERE org_id = $1 AND user_id = $2

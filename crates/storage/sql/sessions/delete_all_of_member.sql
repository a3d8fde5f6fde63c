DELETE FROM sessions WHERE user_id = $2
AND EXISTS (SELECT 1 FROM memberships WHERE org_id = $1 AND user_id = $2)

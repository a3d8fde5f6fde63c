DELETE FROM memberships WHERE org_id = $1 AND user_id = $2 AND (role <> 'admin' OR (SELECT COUNT(*) FROM memberships m
WHERE m.org_id = $1 AND m.role = 'admin') > 1)

SELECT COALESCE(SUM(CASE WHEN role = 'admin' THEN 1 ELSE 0 END), 0) AS admins,
COUNT(*) AS members FROM memberships WHERE org_id = $1

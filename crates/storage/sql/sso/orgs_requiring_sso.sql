SELECT COUNT(*) AS n FROM memberships m JOIN organisations o ON o.id = m.org_id
WHERE m.user_id = $1 AND o.sso_required

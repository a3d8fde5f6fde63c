SELECT m.user_id, u.email, u.display_name, m.role, u.mfa_enabled, m.created_at
FROM memberships m JOIN users u ON u.id = m.user_id
WHERE m.org_id = $1 ORDER BY m.created_at, m.user_id

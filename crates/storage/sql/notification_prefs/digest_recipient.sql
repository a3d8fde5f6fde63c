SELECT u.id, u.email, u.display_name FROM memberships m
JOIN users u ON u.id = m.user_id
LEFT JOIN notification_prefs p ON p.org_id = m.org_id AND p.user_id = m.user_id
WHERE m.org_id = $1 AND m.user_id = $2 AND u.email_verified_at IS NOT NULL
AND (p.weekly_digest IS NULL OR p.weekly_digest)

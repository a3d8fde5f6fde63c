SELECT p.weekly_digest FROM memberships m LEFT JOIN notification_prefs p
ON p.org_id = m.org_id AND p.user_id = m.user_id
WHERE m.org_id = $1 AND m.user_id = $2

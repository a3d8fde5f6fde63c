INSERT INTO notification_prefs (org_id, user_id, weekly_digest, updated_at)
SELECT org_id, user_id, $3, $4 FROM memberships WHERE org_id = $1 AND user_id = $2
ON CONFLICT (org_id, user_id) DO UPDATE
SET weekly_digest = excluded.weekly_digest, updated_at = excluded.updated_at

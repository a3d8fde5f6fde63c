DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2 AND id_hash NOT IN (SELECT id_hash FROM sessions WHERE user_id = $1 AND id_hash <> $2 ORDER BY created_at DESC, last_seen_at DESC LIMIT $3)

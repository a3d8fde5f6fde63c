DELETE FROM sessions WHERE absolute_expires_at < $1 OR last_seen_at < $2

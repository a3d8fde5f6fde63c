DELETE FROM pending_uploads WHERE expires_at < $1

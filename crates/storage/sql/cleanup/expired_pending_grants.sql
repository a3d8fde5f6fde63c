DELETE FROM pending_grants WHERE expires_at < $1

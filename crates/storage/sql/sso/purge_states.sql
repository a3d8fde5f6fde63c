DELETE FROM sso_states WHERE expires_at <= $1

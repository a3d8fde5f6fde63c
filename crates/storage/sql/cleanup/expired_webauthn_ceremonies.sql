DELETE FROM webauthn_ceremonies WHERE expires_at < $1

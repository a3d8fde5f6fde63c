DELETE FROM webauthn_ceremonies WHERE id_hash = $1
RETURNING purpose, user_id, session_hash, state, name, expires_at

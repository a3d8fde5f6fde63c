INSERT INTO webauthn_ceremonies (id_hash, purpose, user_id, session_hash, state, name, created_at,
expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)

INSERT INTO oauth_states (state_hash, session_hash, org_id, user_id, provider, verifier_enc,
created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)

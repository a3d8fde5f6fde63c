INSERT INTO sessions (id_hash, public_id, user_id, csrf_token_hash, created_at, last_seen_at,
absolute_expires_at, authenticated_at, mfa_at, user_agent, ip)
VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9, $10)

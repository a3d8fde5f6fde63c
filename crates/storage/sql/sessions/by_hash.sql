SELECT id_hash, public_id, user_id, csrf_token_hash, created_at, last_seen_at,
absolute_expires_at, authenticated_at, mfa_at, user_agent, ip FROM sessions WHERE id_hash = $1

INSERT INTO pending_grants (id, session_hash, org_id, user_id, provider, grant_enc, created_at,
expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)

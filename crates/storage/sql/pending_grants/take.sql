DELETE FROM pending_grants WHERE org_id = $1 AND id = $2 AND session_hash = $3
RETURNING id, session_hash, org_id, user_id, provider, grant_enc, created_at, expires_at

SELECT id, session_hash, org_id, user_id, provider, grant_enc, created_at, expires_at
FROM pending_grants WHERE org_id = $1 AND session_hash = $2 AND provider = $3 AND expires_at > $4
ORDER BY created_at DESC, id LIMIT 1

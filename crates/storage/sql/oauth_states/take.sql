DELETE FROM oauth_states WHERE state_hash = $1
RETURNING session_hash, org_id, user_id, provider, verifier_enc, created_at, expires_at

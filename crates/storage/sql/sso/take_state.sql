DELETE FROM sso_states WHERE state_hash = $1
RETURNING browser_hash, next_path, created_at, expires_at

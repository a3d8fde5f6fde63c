INSERT INTO sso_states (state_hash, browser_hash, next_path, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5)

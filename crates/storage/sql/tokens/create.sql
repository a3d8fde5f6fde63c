INSERT INTO api_tokens (id, user_id, name, token_hash, scope, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)

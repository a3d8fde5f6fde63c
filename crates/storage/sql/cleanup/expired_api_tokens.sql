DELETE FROM api_tokens WHERE expires_at < $1

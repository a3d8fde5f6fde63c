UPDATE users SET email_verified_at = $2 WHERE id = $1 AND email_verified_at IS NULL

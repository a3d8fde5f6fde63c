UPDATE users SET password_hash = '!no-password', updated_at = $2 WHERE id = $1

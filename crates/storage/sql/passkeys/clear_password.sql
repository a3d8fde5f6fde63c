UPDATE users SET password_hash = '', updated_at = $2 WHERE id = $1

UPDATE users SET password_hash = $2, updated_at = $3, failed_logins = 0,
locked_until = NULL WHERE id = $1

UPDATE users SET mfa_secret_enc = NULL, updated_at = $1 WHERE id = $2

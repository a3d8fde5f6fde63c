UPDATE users SET mfa_secret_enc = $1, updated_at = $2 WHERE id = $3

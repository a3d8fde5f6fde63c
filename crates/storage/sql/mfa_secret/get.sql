SELECT mfa_secret_enc FROM users WHERE id = $1

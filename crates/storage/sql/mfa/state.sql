SELECT mfa_secret_enc, mfa_enabled, mfa_last_step FROM users WHERE id = $1

UPDATE users SET mfa_secret_enc = NULL, mfa_last_step = NULL
WHERE id = $1 AND mfa_enabled = FALSE AND mfa_secret_enc IS NOT NULL

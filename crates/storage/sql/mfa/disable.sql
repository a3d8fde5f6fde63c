UPDATE users SET mfa_enabled = FALSE, mfa_secret_enc = NULL, mfa_last_step = NULL
WHERE id = $1

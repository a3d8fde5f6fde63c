UPDATE users SET mfa_secret_enc = $2, mfa_last_step = NULL
WHERE id = $1 AND mfa_enabled = FALSE

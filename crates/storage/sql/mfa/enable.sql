UPDATE users SET mfa_enabled = TRUE WHERE id = $1
AND mfa_enabled = FALSE AND mfa_secret_enc IS NOT NULL

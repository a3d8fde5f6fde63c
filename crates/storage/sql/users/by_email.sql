SELECT id, email, display_name, password_hash, mfa_enabled,
email_verified_at, failed_logins, locked_until, created_at, disabled_at FROM users WHERE email = $1

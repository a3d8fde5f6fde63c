SELECT s.id_hash, s.public_id, s.user_id, s.csrf_token_hash, s.created_at, s.last_seen_at,
s.absolute_expires_at, s.authenticated_at, s.mfa_at, s.user_agent, s.ip,
u.email AS user_email, u.display_name AS user_display_name,
u.password_hash AS user_password_hash, u.mfa_enabled AS user_mfa_enabled,
u.email_verified_at AS user_email_verified_at, u.failed_logins AS user_failed_logins,
u.locked_until AS user_locked_until, u.created_at AS user_created_at,
u.disabled_at AS user_disabled_at
FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1

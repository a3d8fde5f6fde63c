SELECT issuer, subject, created_at, last_used_at FROM user_identities WHERE user_id = $1
ORDER BY created_at, issuer, subject

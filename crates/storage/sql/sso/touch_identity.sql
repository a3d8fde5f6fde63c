UPDATE user_identities SET last_used_at = $3 WHERE issuer = $1 AND subject = $2

SELECT user_id FROM user_identities WHERE issuer = $1 AND subject = $2

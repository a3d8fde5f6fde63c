SELECT COUNT(*) AS n FROM user_identities WHERE user_id = $1

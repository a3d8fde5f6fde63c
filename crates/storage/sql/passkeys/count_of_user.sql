SELECT COUNT(*) AS n FROM passkeys WHERE user_id = $1

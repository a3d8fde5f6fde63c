DELETE FROM sessions WHERE user_id = $1 AND public_id = $2

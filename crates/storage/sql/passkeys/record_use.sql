UPDATE passkeys SET passkey = $3, sign_count = $4, backup_eligible = $5, backup_state = $6,
last_used_at = $7 WHERE id = $1 AND user_id = $2 AND (sign_count = 0 OR sign_count < $4)

UPDATE users SET mfa_last_step = $2 WHERE id = $1
AND (mfa_last_step IS NULL OR mfa_last_step < $2)

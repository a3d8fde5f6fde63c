SELECT id, user_id, credential_id, name, passkey, sign_count, backup_eligible, backup_state,
created_at, last_used_at FROM passkeys WHERE user_id = $1 ORDER BY created_at, id

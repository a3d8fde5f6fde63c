INSERT INTO passkeys (id, user_id, credential_id, name, passkey, sign_count, backup_eligible,
backup_state, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)

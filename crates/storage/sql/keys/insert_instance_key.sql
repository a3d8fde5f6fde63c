INSERT INTO instance_keys (version, wrapped_key, master_key_version, created_at)
VALUES ($1, $2, $3, $4)

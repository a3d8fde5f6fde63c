INSERT INTO org_keys (org_id, version, wrapped_key, master_key_version, created_at)
VALUES ($1, $2, $3, $4, $5)

INSERT INTO instance_secrets (name, value_enc, created_at) VALUES ($1, $2, $3)
ON CONFLICT (name) DO NOTHING

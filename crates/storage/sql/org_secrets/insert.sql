INSERT INTO org_secrets (org_id, name, value_enc, created_at, updated_at)
VALUES ($1, $2, $3, $4, $4)

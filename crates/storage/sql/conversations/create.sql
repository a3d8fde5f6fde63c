INSERT INTO conversations (id, org_id, user_id, title_enc, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $5)

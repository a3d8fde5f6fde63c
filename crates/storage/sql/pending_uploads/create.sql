INSERT INTO pending_uploads (id, org_id, user_id, file_name, sha256, content_enc, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)

DELETE FROM pending_uploads WHERE org_id = $1 AND id = $2 AND user_id = $3
RETURNING id, file_name, sha256, content_enc, created_at, expires_at

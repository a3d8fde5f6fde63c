INSERT INTO imports (org_id, file_name, format, sha256, rows_read, rows_added, created_by, created_at)
VALUES ($1, $2, $3, $4, 0, 0, $5, $6) RETURNING id

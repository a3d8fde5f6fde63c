SELECT i.id, i.file_name, i.format, i.rows_read, i.rows_added,
i.created_at, u.email AS created_by_email FROM imports i LEFT JOIN users u ON u.id = i.created_by
WHERE i.org_id = $1 ORDER BY i.id DESC LIMIT $2

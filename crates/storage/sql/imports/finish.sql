UPDATE imports SET rows_read = $1, rows_added = $2 WHERE id = $3 AND org_id = $4

UPDATE conversations SET updated_at = $1 WHERE id = $2 AND org_id = $3

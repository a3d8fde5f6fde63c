SELECT COALESCE(MAX(id), 0) AS newest FROM transactions WHERE org_id = $1

SELECT COUNT(*) AS n FROM transactions WHERE org_id = $1

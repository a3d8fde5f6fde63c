SELECT COUNT(*) FROM transactions WHERE org_id = $1

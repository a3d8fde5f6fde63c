SELECT COUNT(*) AS rules FROM transaction_rules WHERE org_id = $1

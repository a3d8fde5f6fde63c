DELETE FROM transaction_rules WHERE org_id = $1 AND id = $2

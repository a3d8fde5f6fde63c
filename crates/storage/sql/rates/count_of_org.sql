SELECT COUNT(*) FROM exchange_rates WHERE org_id = $1

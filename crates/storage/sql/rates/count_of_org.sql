SELECT COUNT(*) AS n FROM exchange_rates WHERE org_id = $1

INSERT INTO exchange_rates (org_id, rate_date, from_currency, to_currency, rate, source, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (org_id, rate_date, from_currency, to_currency)
DO UPDATE SET rate = excluded.rate, source = excluded.source, created_at = excluded.created_at

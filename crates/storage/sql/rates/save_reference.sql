INSERT INTO reference_rates (rate_date, from_currency, to_currency, rate, created_at)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (rate_date, from_currency, to_currency)
DO UPDATE SET rate = excluded.rate, created_at = excluded.created_at

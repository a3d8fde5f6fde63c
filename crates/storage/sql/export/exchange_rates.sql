SELECT rate_date, from_currency, to_currency, rate, source FROM exchange_rates
WHERE org_id = $1 ORDER BY rate_date, from_currency, to_currency

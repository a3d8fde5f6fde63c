SELECT rate_date, from_currency, to_currency, rate, 'reference' AS source FROM reference_rates
ORDER BY rate_date, from_currency, to_currency

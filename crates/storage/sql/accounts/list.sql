SELECT id, name, kind, currency, opening_balance_minor FROM bank_accounts
WHERE org_id = $1 ORDER BY name

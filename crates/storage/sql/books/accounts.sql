SELECT id, name, opening_balance_minor, currency FROM bank_accounts WHERE org_id = $1 ORDER BY name

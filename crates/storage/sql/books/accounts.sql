SELECT id, name, opening_balance_minor FROM bank_accounts WHERE org_id = $1 ORDER BY name

SELECT id, name, kind, currency, opening_balance_minor, external_id, created_at
FROM bank_accounts WHERE org_id = $1 ORDER BY id

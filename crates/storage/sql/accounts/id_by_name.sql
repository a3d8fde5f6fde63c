SELECT id FROM bank_accounts WHERE org_id = $1 AND name = $2

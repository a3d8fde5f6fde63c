SELECT id, name, kind, currency FROM bank_accounts WHERE org_id = $1 AND external_id = $2

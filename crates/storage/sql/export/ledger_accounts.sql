SELECT code, name, kind, external_id FROM ledger_accounts WHERE org_id = $1 ORDER BY code

SELECT COUNT(*) AS n FROM bank_accounts WHERE org_id = $1 AND name = $2 AND id <> $3

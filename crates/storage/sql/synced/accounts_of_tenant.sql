SELECT id, external_id FROM bank_accounts
WHERE org_id = $1 AND substr(external_id, 1, length($2)) = $2

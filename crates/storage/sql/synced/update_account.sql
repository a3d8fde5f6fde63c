UPDATE bank_accounts SET name = $1, kind = $2, currency = $3
WHERE org_id = $4 AND id = $5 AND (name <> $1 OR kind <> $2 OR currency <> $3)

INSERT INTO bank_accounts (org_id, name, kind, currency, opening_balance_minor, external_id, created_at)
VALUES ($1, $2, $3, $4, 0, $5, $6)

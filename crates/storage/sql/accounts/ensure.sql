INSERT INTO bank_accounts (org_id, name, kind, currency, opening_balance_minor, created_at)
VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (org_id, name) DO NOTHING

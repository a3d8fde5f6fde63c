INSERT INTO transactions (org_id, source, account_id, posted_on, amount_minor, currency,
original_amount_minor, original_currency, counterparty, description, category, is_transfer,
external_id, source_id)
SELECT $1, $2, r.account_id, r.posted_on, r.amount_minor, r.currency, r.original_amount_minor,
r.original_currency, r.counterparty, r.description, r.category, r.is_transfer, r.external_id,
r.source_id
FROM jsonb_to_recordset(($3::text)::jsonb) AS r(account_id BIGINT, posted_on DATE,
amount_minor BIGINT, currency TEXT, original_amount_minor BIGINT, original_currency TEXT,
counterparty TEXT, description TEXT, category TEXT, is_transfer BOOLEAN, external_id TEXT,
source_id TEXT)
ON CONFLICT (org_id, external_id) DO UPDATE SET account_id = excluded.account_id,
posted_on = excluded.posted_on, amount_minor = excluded.amount_minor, currency = excluded.currency,
original_amount_minor = excluded.original_amount_minor,
original_currency = excluded.original_currency, counterparty = excluded.counterparty,
description = excluded.description, category = excluded.category,
is_transfer = excluded.is_transfer, source_id = excluded.source_id
WHERE (transactions.account_id, transactions.posted_on, transactions.amount_minor,
transactions.currency, transactions.original_amount_minor, transactions.original_currency,
transactions.counterparty, transactions.description, transactions.category,
transactions.is_transfer, transactions.source_id)
IS DISTINCT FROM (excluded.account_id, excluded.posted_on, excluded.amount_minor,
excluded.currency, excluded.original_amount_minor, excluded.original_currency,
excluded.counterparty, excluded.description, excluded.category, excluded.is_transfer,
excluded.source_id)

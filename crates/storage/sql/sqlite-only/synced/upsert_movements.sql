INSERT INTO transactions (org_id, source, account_id, posted_on, amount_minor, currency,
original_amount_minor, original_currency, counterparty, description, category, is_transfer,
external_id, source_id)
SELECT $1, $2, json_extract(value, '$.account_id'), json_extract(value, '$.posted_on'),
json_extract(value, '$.amount_minor'), json_extract(value, '$.currency'),
json_extract(value, '$.original_amount_minor'), json_extract(value, '$.original_currency'),
json_extract(value, '$.counterparty'), json_extract(value, '$.description'),
json_extract(value, '$.category'), json_extract(value, '$.is_transfer'),
json_extract(value, '$.external_id'), json_extract(value, '$.source_id')
FROM json_each($3) WHERE true
ON CONFLICT (org_id, external_id) DO UPDATE SET account_id = excluded.account_id,
posted_on = excluded.posted_on, amount_minor = excluded.amount_minor, currency = excluded.currency,
original_amount_minor = excluded.original_amount_minor,
original_currency = excluded.original_currency, counterparty = excluded.counterparty,
description = excluded.description, category = excluded.category,
is_transfer = excluded.is_transfer, source_id = excluded.source_id
WHERE transactions.account_id <> excluded.account_id OR transactions.posted_on <> excluded.posted_on
OR transactions.amount_minor <> excluded.amount_minor OR transactions.currency <> excluded.currency
OR transactions.original_amount_minor <> excluded.original_amount_minor
OR transactions.original_currency <> excluded.original_currency
OR transactions.counterparty <> excluded.counterparty
OR transactions.description <> excluded.description OR transactions.category <> excluded.category
OR transactions.is_transfer <> excluded.is_transfer
OR transactions.source_id IS NOT excluded.source_id

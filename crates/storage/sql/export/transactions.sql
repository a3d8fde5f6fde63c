SELECT t.id, a.name AS account, t.posted_on, t.amount_minor, t.currency,
t.original_amount_minor, t.original_currency, t.counterparty, t.description, t.category,
t.is_transfer, t.source, t.external_id, t.import_id, t.category_override,
t.counterparty_override, t.class_override FROM transactions t
JOIN bank_accounts a ON a.id = t.account_id AND a.org_id = t.org_id
WHERE t.org_id = $1 ORDER BY t.id

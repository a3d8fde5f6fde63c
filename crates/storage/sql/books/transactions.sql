SELECT id, account_id, posted_on, amount_minor, currency,
COALESCE(category_override, category) AS category,
COALESCE(counterparty_override, counterparty) AS counterparty, is_transfer, class_override
FROM transactions WHERE org_id = $1 ORDER BY posted_on, id

SELECT id, account_id, posted_on, amount_minor, category, counterparty, is_transfer
FROM transactions WHERE org_id = $1 ORDER BY posted_on, id

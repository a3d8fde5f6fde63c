SELECT id, counterparty, category, counterparty_name, class, applied_to_past, created_by,
created_at
FROM transaction_rules WHERE org_id = $1 ORDER BY counterparty, id

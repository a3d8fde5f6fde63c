INSERT INTO transaction_rules (org_id, counterparty, category, counterparty_name, class,
applied_to_past, created_by, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (org_id, counterparty) DO UPDATE SET category = excluded.category,
counterparty_name = excluded.counterparty_name, class = excluded.class,
applied_to_past = excluded.applied_to_past, created_by = excluded.created_by,
created_at = excluded.created_at
RETURNING id

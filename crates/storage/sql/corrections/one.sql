SELECT id, counterparty, category, is_transfer, category_override, counterparty_override,
class_override
FROM transactions WHERE org_id = $1 AND id = $2

UPDATE transactions SET category_override = COALESCE($3, category_override),
counterparty_override = COALESCE($4, counterparty_override),
class_override = COALESCE($5, class_override)
WHERE org_id = $1 AND counterparty = $2

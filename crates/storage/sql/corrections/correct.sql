UPDATE transactions SET category_override = $3, counterparty_override = $4, class_override = $5
WHERE org_id = $1 AND id = $2

UPDATE transactions SET
category_override = COALESCE(category_override, (SELECT r.category FROM transaction_rules r
    WHERE r.org_id = $1 AND r.counterparty = transactions.counterparty)),
counterparty_override = COALESCE(counterparty_override, (SELECT r.counterparty_name
    FROM transaction_rules r WHERE r.org_id = $1 AND r.counterparty = transactions.counterparty)),
class_override = COALESCE(class_override, (SELECT r.class FROM transaction_rules r
    WHERE r.org_id = $1 AND r.counterparty = transactions.counterparty))
WHERE org_id = $1 AND id > $2
AND counterparty IN (SELECT r.counterparty FROM transaction_rules r WHERE r.org_id = $1)

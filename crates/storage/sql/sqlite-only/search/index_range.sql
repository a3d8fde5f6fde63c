INSERT INTO transaction_search (rowid, description, counterparty, category, reference)
SELECT t.id, t.description,
    CASE WHEN t.counterparty_override IS NULL THEN t.counterparty
         ELSE t.counterparty_override || ' ' || t.counterparty END,
    COALESCE(t.category_override, t.category),
    CASE WHEN t.source_id IS NULL AND t.external_id NOT LIKE 'fs:%' THEN t.external_id ELSE '' END
FROM transactions t
WHERE +t.org_id = $1 AND t.id BETWEEN $2 AND $3

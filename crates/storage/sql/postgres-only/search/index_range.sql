INSERT INTO transaction_search (transaction_id, org_id, document)
SELECT t.id, t.org_id, transaction_search_document(t.description, t.counterparty,
    t.counterparty_override, t.category, t.category_override, t.external_id, t.source_id)
FROM transactions t
WHERE t.org_id = $1 AND t.id BETWEEN $2 AND $3
ON CONFLICT (transaction_id) DO NOTHING

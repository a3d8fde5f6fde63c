INSERT INTO documents (org_id, kind, number, counterparty, issue_date, due_date,
paid_date, amount_minor, currency, source, external_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (org_id, kind, external_id) DO UPDATE SET number = excluded.number,
counterparty = excluded.counterparty, issue_date = excluded.issue_date,
due_date = excluded.due_date,
paid_date = CASE WHEN excluded.paid_date IS NULL THEN NULL
    ELSE COALESCE(documents.paid_date, excluded.paid_date) END,
amount_minor = excluded.amount_minor, currency = excluded.currency
WHERE documents.number <> excluded.number OR documents.counterparty <> excluded.counterparty
OR documents.issue_date <> excluded.issue_date OR documents.due_date <> excluded.due_date
OR documents.amount_minor <> excluded.amount_minor OR documents.currency <> excluded.currency
OR (documents.paid_date IS NULL) <> (excluded.paid_date IS NULL)

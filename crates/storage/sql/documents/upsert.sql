INSERT INTO documents (org_id, kind, number, counterparty, issue_date, due_date,
paid_date, amount_minor, currency, source, external_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (org_id, kind, external_id) DO UPDATE SET paid_date = excluded.paid_date
WHERE documents.paid_date IS DISTINCT FROM excluded.paid_date

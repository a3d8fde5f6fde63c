SELECT id, kind, number, counterparty, issue_date, due_date, paid_date, amount_minor,
currency, source, external_id FROM documents WHERE org_id = $1 ORDER BY id

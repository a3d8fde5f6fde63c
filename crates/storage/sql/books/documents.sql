SELECT kind, number, counterparty, issue_date, due_date, paid_date, amount_minor
FROM documents WHERE org_id = $1 ORDER BY issue_date, id

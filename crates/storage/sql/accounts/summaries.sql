SELECT s.name, s.kind, s.currency, s.transactions, s.last_posted_on,
i.created_at AS last_import_at, i.file_name AS last_import_file FROM (
  SELECT a.id, a.name, a.kind, a.currency, COUNT(t.id) AS transactions,
  MAX(t.posted_on) AS last_posted_on, MAX(t.import_id) AS last_import_id
  FROM bank_accounts a
  LEFT JOIN transactions t ON t.org_id = a.org_id AND t.account_id = a.id
  WHERE a.org_id = $1 GROUP BY a.id, a.name, a.kind, a.currency
) s LEFT JOIN imports i ON i.org_id = $1 AND i.id = s.last_import_id
ORDER BY s.name

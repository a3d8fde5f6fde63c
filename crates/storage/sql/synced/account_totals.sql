SELECT b.external_id, b.name, COUNT(t.id) AS transactions,
CAST(COALESCE(SUM(t.original_amount_minor), 0) AS BIGINT) AS original_minor,
CAST(COALESCE(SUM(t.amount_minor), 0) AS BIGINT) AS amount_minor
FROM bank_accounts b LEFT JOIN transactions t ON t.org_id = b.org_id AND t.account_id = b.id
WHERE b.org_id = $1 AND substr(b.external_id, 1, length($2)) = $2
GROUP BY b.external_id, b.name ORDER BY b.external_id

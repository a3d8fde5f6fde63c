SELECT p.account_id, a.name AS account_name, p.column_map, p.date_format, p.updated_at
FROM mapping_presets p JOIN bank_accounts a ON a.org_id = p.org_id AND a.id = p.account_id
WHERE p.org_id = $1 AND p.account_id = $2

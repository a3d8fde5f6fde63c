INSERT INTO mapping_presets (org_id, account_id, column_map, date_format, updated_by, updated_at)
SELECT org_id, id, $3, $4, $5, $6 FROM bank_accounts WHERE org_id = $1 AND id = $2
ON CONFLICT (org_id, account_id)
DO UPDATE SET column_map = excluded.column_map, date_format = excluded.date_format,
    updated_by = excluded.updated_by, updated_at = excluded.updated_at

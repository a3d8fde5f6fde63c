SELECT id, name_enc, first_on, amount_minor, repeat, until_on, confidence_percent, created_at
FROM planned_items WHERE org_id = $1 ORDER BY first_on, created_at, id

INSERT INTO planned_items (id, org_id, name_enc, first_on, amount_minor, repeat, until_on,
confidence_percent, created_by, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)

INSERT INTO saved_scenarios (id, org_id, name_enc, inputs_enc, created_by, created_at)
VALUES ($1, $2, $3, $4, $5, $6)

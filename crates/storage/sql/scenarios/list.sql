SELECT id, name_enc, inputs_enc, created_at
FROM saved_scenarios WHERE org_id = $1 ORDER BY created_at, id

DELETE FROM saved_scenarios WHERE id = $1 AND org_id = $2

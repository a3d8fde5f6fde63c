DELETE FROM transactions WHERE org_id = $1
AND source_id IN (SELECT jsonb_array_elements_text(($2::text)::jsonb))
AND external_id NOT IN (SELECT jsonb_array_elements_text(($3::text)::jsonb))

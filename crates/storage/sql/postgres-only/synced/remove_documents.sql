DELETE FROM documents WHERE org_id = $1
AND external_id IN (SELECT jsonb_array_elements_text(($2::text)::jsonb))

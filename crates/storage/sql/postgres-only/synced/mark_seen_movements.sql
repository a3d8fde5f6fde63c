UPDATE transactions SET seen_in_run = $2 WHERE org_id = $1
AND source_id IN (SELECT jsonb_array_elements_text(($3::text)::jsonb))
AND seen_in_run IS DISTINCT FROM $2

DELETE FROM documents WHERE org_id = $1 AND substr(external_id, 1, length($2)) = $2
AND (seen_in_run IS NULL OR seen_in_run <> $3)

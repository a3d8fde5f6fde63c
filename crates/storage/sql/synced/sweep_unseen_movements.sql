DELETE FROM transactions WHERE org_id = $1 AND source_id IS NOT NULL
AND substr(source_id, 1, length($2)) = $2 AND (seen_in_run IS NULL OR seen_in_run <> $3)

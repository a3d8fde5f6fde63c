DELETE FROM transactions WHERE org_id = $1
AND source_id IN (SELECT value FROM json_each($2))
AND external_id NOT IN (SELECT value FROM json_each($3))

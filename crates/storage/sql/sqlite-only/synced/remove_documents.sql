DELETE FROM documents WHERE org_id = $1 AND external_id IN (SELECT value FROM json_each($2))

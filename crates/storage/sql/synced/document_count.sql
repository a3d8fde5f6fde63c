SELECT COUNT(*) AS n FROM documents WHERE org_id = $1 AND substr(external_id, 1, length($2)) = $2

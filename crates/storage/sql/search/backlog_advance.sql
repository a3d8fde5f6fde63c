UPDATE search_backlog SET first_id = $4 WHERE org_id = $1 AND id = $2 AND first_id = $3

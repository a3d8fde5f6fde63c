UPDATE search_backlog SET last_id = $3 WHERE org_id = $1 AND id = $2

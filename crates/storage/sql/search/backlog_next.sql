SELECT id, first_id, last_id FROM search_backlog WHERE org_id = $1 ORDER BY first_id, id LIMIT 1

DELETE FROM search_backlog WHERE org_id = $1 AND id = $2 AND first_id = $3

INSERT INTO search_backlog (org_id, first_id, last_id) VALUES ($1, $2, $3) RETURNING id

SELECT CAST(COALESCE(SUM(last_id - first_id + 1), 0) AS BIGINT) AS waiting FROM search_backlog WHERE org_id = $1

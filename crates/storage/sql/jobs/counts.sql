SELECT state, kind, COUNT(*) AS jobs FROM jobs GROUP BY state, kind ORDER BY state, kind

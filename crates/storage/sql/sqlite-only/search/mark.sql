SELECT COALESCE(MAX(id), 0) AS newest FROM transactions

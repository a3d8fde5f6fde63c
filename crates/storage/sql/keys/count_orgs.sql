SELECT COUNT(*) AS n FROM organisations

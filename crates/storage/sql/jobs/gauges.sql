SELECT kind,
    CASE WHEN state = 'queued' AND attempts > 0 THEN 'retrying' ELSE state END AS state,
    COUNT(*) AS jobs
FROM jobs
WHERE state IN ('queued', 'running', 'dead')
GROUP BY kind, CASE WHEN state = 'queued' AND attempts > 0 THEN 'retrying' ELSE state END
ORDER BY kind, state

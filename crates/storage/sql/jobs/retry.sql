UPDATE jobs SET state = 'queued', attempts = 0, run_at = $2, finished_at = NULL
WHERE id = $1 AND state IN ('dead', 'cancelled')

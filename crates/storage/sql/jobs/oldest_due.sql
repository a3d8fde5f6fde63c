SELECT MIN(run_at) AS oldest FROM jobs WHERE state = 'queued' AND run_at <= $1

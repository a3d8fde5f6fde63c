DELETE FROM jobs WHERE id IN (
    SELECT id FROM jobs WHERE state IN ('succeeded', 'cancelled') AND finished_at < $1 LIMIT $2
)

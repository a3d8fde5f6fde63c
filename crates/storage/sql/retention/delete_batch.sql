DELETE FROM transactions
WHERE org_id = $1 AND id IN (
    SELECT id FROM transactions WHERE org_id = $1 AND posted_on < $2
    ORDER BY posted_on, id LIMIT $3
)

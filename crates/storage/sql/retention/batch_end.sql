SELECT posted_on, id FROM transactions WHERE org_id = $1 AND posted_on < $2
ORDER BY posted_on, id LIMIT 1 OFFSET $3

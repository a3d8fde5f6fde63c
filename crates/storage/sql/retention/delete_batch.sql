DELETE FROM transactions WHERE org_id = $1 AND (posted_on, id) < ($2, $3)

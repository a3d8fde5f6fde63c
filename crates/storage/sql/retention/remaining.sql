SELECT COUNT(*) AS remaining FROM transactions WHERE org_id = $1 AND posted_on < $2

SELECT COUNT(*) AS matches FROM (SELECT rowid FROM transaction_search WHERE transaction_search MATCH $1 LIMIT $2)

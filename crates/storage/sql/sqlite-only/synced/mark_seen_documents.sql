UPDATE documents SET seen_in_run = $2 WHERE org_id = $1 AND kind IN ('invoice', 'bill')
AND external_id IN (SELECT value FROM json_each($3)) AND seen_in_run IS NOT $2

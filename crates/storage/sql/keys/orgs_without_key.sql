SELECT id FROM organisations o WHERE NOT EXISTS
(SELECT 1 FROM org_keys k WHERE k.org_id = o.id)

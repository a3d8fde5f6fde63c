DELETE FROM org_keys WHERE org_id = $1

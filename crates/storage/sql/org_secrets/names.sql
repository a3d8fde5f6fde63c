SELECT name FROM org_secrets WHERE org_id = $1 ORDER BY name

UPDATE connections SET refresh_lease_owner = $1, refresh_lease_until = $2
WHERE id = $3 AND org_id = $4 AND token_version = $5
AND (refresh_lease_until IS NULL OR refresh_lease_until < $6)

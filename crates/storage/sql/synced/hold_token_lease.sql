UPDATE connections SET refresh_lease_owner = refresh_lease_owner
WHERE id = $1 AND org_id = $2 AND token_version = $3 AND refresh_lease_owner = $4

UPDATE connections SET refresh_lease_owner = NULL, refresh_lease_until = NULL
WHERE id = $1 AND org_id = $2 AND refresh_lease_owner = $3

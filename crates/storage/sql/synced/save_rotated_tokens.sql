UPDATE connections SET access_token_enc = $1, refresh_token_enc = $2, token_expires_at = $3,
refresh_expires_at = COALESCE($8, refresh_expires_at), token_version = token_version + 1,
refresh_lease_owner = NULL, refresh_lease_until = NULL
WHERE id = $4 AND org_id = $5 AND token_version = $6 AND refresh_lease_owner = $7

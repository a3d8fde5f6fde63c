UPDATE connections SET access_token_enc = $1, refresh_token_enc = $2, token_expires_at = $3,
refresh_expires_at = $4, status = 'active', last_error = NULL,
token_version = token_version + 1, refresh_lease_owner = NULL, refresh_lease_until = NULL
WHERE id = $5 AND org_id = $6

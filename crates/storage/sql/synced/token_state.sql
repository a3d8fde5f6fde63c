SELECT access_token_enc, refresh_token_enc, token_expires_at, token_version
FROM connections WHERE id = $1 AND org_id = $2

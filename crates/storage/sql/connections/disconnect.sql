UPDATE connections SET access_token_enc = NULL, refresh_token_enc = NULL,
token_expires_at = NULL, refresh_expires_at = NULL, status = 'disconnected'
WHERE id = $1 AND org_id = $2

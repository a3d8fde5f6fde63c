UPDATE connections SET access_token_enc = $1, refresh_token_enc = $2,
token_expires_at = $3 WHERE id = $4 AND org_id = $5

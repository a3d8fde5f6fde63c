UPDATE org_secrets SET value_enc = $1, updated_at = $2 WHERE org_id = $3 AND name = $4

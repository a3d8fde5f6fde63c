UPDATE organisations SET name = $2, base_currency = $3, time_zone = $4,
retention_days = $5, keep_monthly_rollups = $6, ai_enabled = $7,
redact_names = $8, mfa_required = $9, digests_enabled = $10 WHERE id = $1

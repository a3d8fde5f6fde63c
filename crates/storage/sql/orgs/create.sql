INSERT INTO organisations (id, slug, name, base_currency, time_zone, retention_days,
keep_monthly_rollups, ai_enabled, redact_names, mfa_required, digests_enabled, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)

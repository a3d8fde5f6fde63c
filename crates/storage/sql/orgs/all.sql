SELECT id, slug, name, base_currency, time_zone, retention_days,
keep_monthly_rollups, ai_enabled, redact_names, mfa_required, digests_enabled, created_at,
books_version FROM organisations ORDER BY created_at, id

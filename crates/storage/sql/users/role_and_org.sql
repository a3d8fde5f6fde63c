SELECT m.role, o.id, o.slug, o.name, o.base_currency, o.time_zone, o.retention_days,
o.keep_monthly_rollups, o.ai_enabled, o.redact_names, o.mfa_required, o.digests_enabled,
o.created_at, o.books_version
FROM memberships m JOIN organisations o ON o.id = m.org_id
WHERE m.org_id = $1 AND m.user_id = $2

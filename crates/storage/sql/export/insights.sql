SELECT id, kind, severity, title, figures, narrative, narrative_source, created_at
FROM insights WHERE org_id = $1 ORDER BY id

SELECT COUNT(*) AS n FROM audit_events WHERE org_id = $1 AND id <= $2

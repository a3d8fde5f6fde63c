SELECT COUNT(*) AS n FROM audit_events WHERE org_id = $1 AND action = $2 AND created_at >= $3

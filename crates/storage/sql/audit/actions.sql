SELECT DISTINCT action FROM audit_events WHERE org_id = $1 ORDER BY action

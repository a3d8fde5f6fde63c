-- The migration's SECURITY DEFINER function: the application role may not DELETE audit events.
SELECT purge_audit_events($1, $2) AS purged

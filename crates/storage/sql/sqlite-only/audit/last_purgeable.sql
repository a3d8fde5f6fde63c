-- The newest event of the organisation such that it and every event before it were recorded
-- before the cutoff: the end of the prefix of its chain the purge removes.
SELECT id, row_hash FROM audit_events
WHERE org_id = $1 AND id < COALESCE(
    (SELECT MIN(id) FROM audit_events WHERE org_id = $1 AND created_at >= $2),
    9223372036854775807)
ORDER BY id DESC LIMIT 1

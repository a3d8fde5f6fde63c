-- The audit log becomes tamper-evident (SECURITY-CHECKLIST H3). Same file name as
-- ../postgres/0030_audit_chain.sql.
--
-- Each event carries the SHA-256 of the event before it in its organisation's log (prev_hash)
-- and its own (row_hash: SHA-256 of prev_hash and a length-prefixed encoding of its fields, see
-- src/audit_chain.rs). audit_chains holds each organisation's head (the newest event's id and
-- hash, so removing the newest events shows) and anchor (the hash of the last event the
-- retention purge removed, where the kept chain starts). Events recorded before this migration
-- (id <= sealed_after) stay outside the chain: they were never hashed.
ALTER TABLE audit_events ADD COLUMN prev_hash BLOB;
ALTER TABLE audit_events ADD COLUMN row_hash BLOB;

CREATE TABLE audit_chains (
    org_id BLOB PRIMARY KEY REFERENCES organisations(id) ON DELETE CASCADE,
    sealed_after INTEGER NOT NULL DEFAULT 0,
    head_id INTEGER,
    head_hash BLOB,
    anchor_id INTEGER,
    anchor_hash BLOB
) STRICT;

INSERT INTO audit_chains (org_id, sealed_after)
SELECT org_id, MAX(id) FROM audit_events GROUP BY org_id;

-- Append-only: an event is never changed. Old events leave only through the retention purge
-- (a DELETE of the oldest ones, which records the anchor) or with their organisation.
CREATE TRIGGER audit_events_append_only BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;

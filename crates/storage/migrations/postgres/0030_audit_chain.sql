-- The audit log becomes tamper-evident (SECURITY-CHECKLIST H3). Same file name as
-- ../sqlite/0030_audit_chain.sql.
--
-- Each event carries the SHA-256 of the event before it in its organisation's log (prev_hash)
-- and its own (row_hash: SHA-256 of prev_hash and a length-prefixed encoding of its fields, see
-- src/audit_chain.rs). audit_chains holds each organisation's head (the newest event's id and
-- hash, so removing the newest events shows) and anchor (the hash of the last event the
-- retention purge removed, where the kept chain starts). Events recorded before this migration
-- (id <= sealed_after) stay outside the chain: they were never hashed. An append locks its
-- organisation's audit_chains row first, so two instances appending at once take turns.
ALTER TABLE audit_events ADD COLUMN prev_hash BYTEA;
ALTER TABLE audit_events ADD COLUMN row_hash BYTEA;

CREATE TABLE audit_chains (
    org_id UUID PRIMARY KEY REFERENCES organisations(id) ON DELETE CASCADE,
    sealed_after BIGINT NOT NULL DEFAULT 0,
    head_id BIGINT,
    head_hash BYTEA,
    anchor_id BIGINT,
    anchor_hash BYTEA
);
ALTER TABLE audit_chains ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_chains FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_chains
    USING (org_id = NULLIF(current_setting('flowsense.org_id', true), '')::uuid)
    WITH CHECK (org_id = NULLIF(current_setting('flowsense.org_id', true), '')::uuid);

-- The events already stored, read by the table's owner (row-level security is forced on
-- audit_events, so it is lifted for this one statement).
ALTER TABLE audit_events NO FORCE ROW LEVEL SECURITY;
ALTER TABLE audit_chains NO FORCE ROW LEVEL SECURITY;
INSERT INTO audit_chains (org_id, sealed_after)
SELECT org_id, MAX(id) FROM audit_events GROUP BY org_id;
ALTER TABLE audit_chains FORCE ROW LEVEL SECURITY;
ALTER TABLE audit_events FORCE ROW LEVEL SECURITY;

-- Append-only, for every role: an event is never changed (a superuser can still disable the
-- trigger; the chain is what shows it then).
CREATE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change();

-- The retention purge, the one way the application role removes events: the oldest events of
-- one organisation recorded before `before` (never any of the last 365 days, SECURITY-CHECKLIST
-- A12), as a prefix of its chain, leaving the hash of the last one removed as the chain's
-- anchor. It runs as its owner (the role that migrated), because the application role may not
-- DELETE from audit_events; the caller's transaction has locked the chain row already.
-- Organisations deleted whole take their events with them through the foreign key.
CREATE FUNCTION purge_audit_events(p_org UUID, p_before TIMESTAMPTZ) RETURNS BIGINT
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    v_cutoff TIMESTAMPTZ := LEAST(p_before, now() - INTERVAL '365 days');
    v_last BIGINT;
    v_hash BYTEA;
    v_purged BIGINT;
BEGIN
    PERFORM 1 FROM audit_chains WHERE org_id = p_org FOR UPDATE;
    SELECT MAX(id) INTO v_last FROM audit_events
    WHERE org_id = p_org AND id < COALESCE(
        (SELECT MIN(id) FROM audit_events WHERE org_id = p_org AND created_at >= v_cutoff),
        9223372036854775807);
    IF v_last IS NULL THEN
        RETURN 0;
    END IF;
    SELECT row_hash INTO v_hash FROM audit_events WHERE org_id = p_org AND id = v_last;
    DELETE FROM audit_events WHERE org_id = p_org AND id <= v_last;
    GET DIAGNOSTICS v_purged = ROW_COUNT;
    IF v_hash IS NOT NULL THEN
        UPDATE audit_chains SET anchor_id = v_last, anchor_hash = v_hash WHERE org_id = p_org;
    END IF;
    RETURN v_purged;
END
$$;
DO $$
BEGIN
    EXECUTE 'ALTER FUNCTION purge_audit_events(UUID, TIMESTAMPTZ) SET search_path = '
        || quote_ident(current_schema()) || ', pg_temp';
END
$$;
REVOKE ALL ON FUNCTION purge_audit_events(UUID, TIMESTAMPTZ) FROM PUBLIC;

-- The application role appends and reads events, and moves its chain's head; it neither
-- changes nor deletes an event (only the purge above does, as its owner).
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'flowsense_app') THEN
        EXECUTE 'REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM flowsense_app';
        EXECUTE 'GRANT SELECT, INSERT ON audit_events TO flowsense_app';
        EXECUTE 'GRANT SELECT, INSERT, UPDATE ON audit_chains TO flowsense_app';
        EXECUTE 'GRANT EXECUTE ON FUNCTION purge_audit_events(UUID, TIMESTAMPTZ) TO flowsense_app';
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'cannot grant to flowsense_app';
END
$$;

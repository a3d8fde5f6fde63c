-- Notification preferences (SPEC §6 digests): one row per membership that chose something; no
-- row means the defaults (weekly digest on). Same file name, tables and columns as
-- ../sqlite/0005_notification_prefs.sql. The foreign key onto the membership removes a
-- person's preferences for an organisation when they leave it or their account is deleted.
CREATE TABLE notification_prefs (
    org_id UUID NOT NULL,
    user_id UUID NOT NULL,
    weekly_digest BOOLEAN NOT NULL DEFAULT TRUE,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, user_id),
    FOREIGN KEY (org_id, user_id) REFERENCES memberships (org_id, user_id) ON DELETE CASCADE
);

ALTER TABLE notification_prefs ENABLE ROW LEVEL SECURITY;
ALTER TABLE notification_prefs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON notification_prefs
    USING (org_id = NULLIF(current_setting('flowsense.org_id', true), '')::uuid)
    WITH CHECK (org_id = NULLIF(current_setting('flowsense.org_id', true), '')::uuid);

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'flowsense_app') THEN
        EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON notification_prefs TO flowsense_app';
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'cannot grant to flowsense_app';
END
$$;

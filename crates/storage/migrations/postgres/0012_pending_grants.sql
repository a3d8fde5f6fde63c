-- Xero grants waiting for the admin to choose an organisation. Same file name, table and columns
-- as ../sqlite/0012_pending_grants.sql.
--
-- A Xero login can reach several organisations (tenants); when it does, the tokens of the grant
-- and the list of its tenants wait here, sealed together with the organisation's key
-- (`grant_enc`), bound to the session (`session_hash`, SHA-256 of its token) and the admin who
-- started the connection, until the admin picks one. Taken once (deleted as it is used);
-- expired ones are purged hourly with the OAuth states.
CREATE TABLE pending_grants (
    id UUID PRIMARY KEY,
    session_hash BYTEA NOT NULL,
    org_id UUID NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    provider TEXT NOT NULL CHECK (provider IN ('xero')),
    grant_enc BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX pending_grants_by_session ON pending_grants (org_id, session_hash, provider);
CREATE INDEX pending_grants_by_expiry ON pending_grants (expires_at);

-- The clean-up purges across organisations in the system scope.
ALTER TABLE pending_grants ENABLE ROW LEVEL SECURITY;
ALTER TABLE pending_grants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON pending_grants
    USING (org_id = NULLIF(current_setting('flowsense.org_id', true), '')::uuid
        OR current_setting('flowsense.scope', true) = 'system')
    WITH CHECK (org_id = NULLIF(current_setting('flowsense.org_id', true), '')::uuid
        OR current_setting('flowsense.scope', true) = 'system');

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'flowsense_app') THEN
        EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON pending_grants TO flowsense_app';
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'cannot grant to flowsense_app';
END
$$;

-- Connecting QuickBooks and Xero. Same file name, tables and columns as
-- ../sqlite/0010_connection_details.sql.
--
-- A connection now says which company it reaches (`tenant_name`), until when its refresh token
-- lasts (`refresh_expires_at`, QuickBooks' rolling `x_refresh_token_expires_in`; admins see it)
-- and who connected it.
ALTER TABLE connections ADD COLUMN tenant_name TEXT;
ALTER TABLE connections ADD COLUMN refresh_expires_at TIMESTAMPTZ;
ALTER TABLE connections ADD COLUMN connected_by UUID REFERENCES users(id) ON DELETE SET NULL;

-- A webhook names a provider tenant, not an organisation: the instance looks up the
-- connections of that tenant across organisations (reading only, in the system scope).
CREATE POLICY system_lookup ON connections FOR SELECT
    USING (current_setting('flowsense.scope', true) = 'system');
CREATE INDEX connections_by_tenant ON connections (provider, tenant_id);

-- An OAuth authorization in flight: only the SHA-256 of the `state` sent to the provider, bound
-- to the SHA-256 of the session that started it; the PKCE verifier (Xero) sealed with the
-- organisation's key. Taken once (deleted as it is read); expired ones are purged hourly.
CREATE TABLE oauth_states (
    state_hash BYTEA PRIMARY KEY,
    session_hash BYTEA NOT NULL,
    org_id UUID NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    provider TEXT NOT NULL CHECK (provider IN ('quickbooks', 'xero')),
    verifier_enc BYTEA,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX oauth_states_by_expiry ON oauth_states (expires_at);

-- The callback knows the state, not the organisation: taking a state is a system lookup.
ALTER TABLE oauth_states ENABLE ROW LEVEL SECURITY;
ALTER TABLE oauth_states FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON oauth_states
    USING (org_id = NULLIF(current_setting('flowsense.org_id', true), '')::uuid
        OR current_setting('flowsense.scope', true) = 'system')
    WITH CHECK (org_id = NULLIF(current_setting('flowsense.org_id', true), '')::uuid
        OR current_setting('flowsense.scope', true) = 'system');

-- Webhook deliveries already acted on (an event id, or the hash of a body without one), so a
-- replayed delivery does nothing new; purged once older than the providers' retry window.
CREATE TABLE webhook_deliveries (
    provider TEXT NOT NULL,
    delivery_id TEXT NOT NULL,
    seen_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (provider, delivery_id)
);
CREATE INDEX webhook_deliveries_by_age ON webhook_deliveries (seen_at);

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'flowsense_app') THEN
        EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON oauth_states, webhook_deliveries TO flowsense_app';
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'cannot grant to flowsense_app';
END
$$;

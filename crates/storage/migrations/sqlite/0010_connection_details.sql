-- Connecting QuickBooks and Xero. Same file name, tables and columns as
-- ../postgres/0010_connection_details.sql, which says what each is for (SQLite has no
-- row-level security; every query names its organisation instead).
ALTER TABLE connections ADD COLUMN tenant_name TEXT;
ALTER TABLE connections ADD COLUMN refresh_expires_at TEXT;
ALTER TABLE connections ADD COLUMN connected_by BLOB REFERENCES users(id) ON DELETE SET NULL;
CREATE INDEX connections_by_tenant ON connections (provider, tenant_id);

CREATE TABLE oauth_states (
    state_hash BLOB PRIMARY KEY,
    session_hash BLOB NOT NULL,
    org_id BLOB NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    provider TEXT NOT NULL CHECK (provider IN ('quickbooks', 'xero')),
    verifier_enc BLOB,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
) STRICT;
CREATE INDEX oauth_states_by_expiry ON oauth_states (expires_at);

CREATE TABLE webhook_deliveries (
    provider TEXT NOT NULL,
    delivery_id TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (provider, delivery_id)
) STRICT;
CREATE INDEX webhook_deliveries_by_age ON webhook_deliveries (seen_at);

-- Xero grants waiting for the admin to choose an organisation. Same file name, table and columns
-- as ../postgres/0012_pending_grants.sql, which says what each is for.
CREATE TABLE pending_grants (
    id BLOB PRIMARY KEY,
    session_hash BLOB NOT NULL,
    org_id BLOB NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    provider TEXT NOT NULL CHECK (provider IN ('xero')),
    grant_enc BLOB NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
) STRICT;
CREATE INDEX pending_grants_by_session ON pending_grants (org_id, session_hash, provider);
CREATE INDEX pending_grants_by_expiry ON pending_grants (expires_at);

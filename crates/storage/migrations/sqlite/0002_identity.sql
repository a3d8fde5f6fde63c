-- Identity and access (issue 4).
-- Sessions get an opaque public id, so a user can list and revoke one without ever seeing a token
-- hash. Sessions are short-lived, so the table is recreated instead of back-filled: at worst
-- everyone signs in once more.
DROP TABLE sessions;
CREATE TABLE sessions (
    id_hash BLOB PRIMARY KEY,
    public_id BLOB NOT NULL UNIQUE,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token_hash BLOB NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    absolute_expires_at TEXT NOT NULL,
    authenticated_at TEXT NOT NULL,
    mfa_at TEXT,
    user_agent TEXT NOT NULL,
    ip TEXT NOT NULL
) STRICT;
CREATE INDEX sessions_by_user ON sessions (user_id);

-- Failed sign-ins per account, so the backoff survives a restart.
ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until TEXT;

CREATE INDEX api_tokens_by_user ON api_tokens (user_id);
CREATE INDEX invitations_by_org ON invitations (org_id, created_at);

-- Identity and access (issue 4). Same file name and columns as ../sqlite/0002_identity.sql.
-- Sessions get an opaque public id, so a user can list and revoke one without ever seeing a token
-- hash. Sessions are short-lived, so the table is recreated instead of back-filled: at worst
-- everyone signs in once more.
DROP TABLE sessions;
CREATE TABLE sessions (
    id_hash BYTEA PRIMARY KEY,
    public_id UUID NOT NULL UNIQUE,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token_hash BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    absolute_expires_at TIMESTAMPTZ NOT NULL,
    authenticated_at TIMESTAMPTZ NOT NULL,
    mfa_at TIMESTAMPTZ,
    user_agent TEXT NOT NULL,
    ip TEXT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

-- Failed sign-ins per account, so the backoff survives a restart.
ALTER TABLE users ADD COLUMN failed_logins BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until TIMESTAMPTZ;

CREATE INDEX api_tokens_by_user ON api_tokens (user_id);
CREATE INDEX invitations_by_org ON invitations (org_id, created_at);

-- The recreated table needs the application role's grants again.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'flowsense_app') THEN
        EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON sessions TO flowsense_app';
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'cannot grant to flowsense_app';
END
$$;

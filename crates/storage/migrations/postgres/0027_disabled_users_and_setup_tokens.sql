-- An operator can disable a user (their sessions and API tokens stop working and sign-in is
-- refused) and enable them again; and the first administrator of a self-hosted instance with no
-- users can be created with a one-time setup token, stored only as its SHA-256. Same file name,
-- tables and columns as ../sqlite/0027_disabled_users_and_setup_tokens.sql. Neither table holds
-- organisation data, so no row-level security applies.
ALTER TABLE users ADD COLUMN disabled_at TIMESTAMPTZ;

CREATE TABLE setup_tokens (
    token_hash BYTEA PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ,
    used_by UUID REFERENCES users(id) ON DELETE SET NULL
);
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'flowsense_app') THEN
        EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON setup_tokens TO flowsense_app';
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'cannot grant to flowsense_app';
END
$$;

-- Secrets of the installation itself (for example the key that signs e-mailed links and derives
-- CSRF tokens), sealed with the instance data key. Same name and columns as the SQLite file.
CREATE TABLE instance_secrets (
    name TEXT PRIMARY KEY,
    value_enc BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'flowsense_app') THEN
        EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON instance_secrets TO flowsense_app';
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'cannot grant to flowsense_app';
END
$$;

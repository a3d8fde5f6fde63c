-- Secrets of the installation itself (for example the key that signs e-mailed links and derives
-- CSRF tokens), sealed with the instance data key. Same name and columns as the PostgreSQL file.
CREATE TABLE instance_secrets (
    name TEXT PRIMARY KEY,
    value_enc BLOB NOT NULL,
    created_at TEXT NOT NULL
) STRICT;

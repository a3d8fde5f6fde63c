-- An operator can disable a user (their sessions and API tokens stop working and sign-in is
-- refused) and enable them again; and the first administrator of a self-hosted instance with no
-- users can be created with a one-time setup token, stored only as its SHA-256. Same file name,
-- tables and columns as ../postgres/0027_disabled_users_and_setup_tokens.sql.
ALTER TABLE users ADD COLUMN disabled_at TEXT;

CREATE TABLE setup_tokens (
    token_hash BLOB PRIMARY KEY,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    used_by BLOB REFERENCES users(id) ON DELETE SET NULL
) STRICT;

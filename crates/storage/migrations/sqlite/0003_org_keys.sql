-- Envelope encryption (issue 5). Same file name, tables and columns as ../postgres/0003_org_keys.sql.
-- Data keys are stored only wrapped (AES-256-GCM) by a master key version that never enters the
-- database. Deleting an organisation deletes its org_keys rows first (crypto-shredding).

CREATE TABLE org_keys (
    org_id BLOB NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    version INTEGER NOT NULL CHECK (version > 0),
    wrapped_key BLOB NOT NULL,
    master_key_version INTEGER NOT NULL CHECK (master_key_version > 0),
    created_at TEXT NOT NULL,
    retired_at TEXT,
    PRIMARY KEY (org_id, version)
) STRICT;
CREATE INDEX org_keys_by_master_version ON org_keys (master_key_version);

-- The instance data key seals secrets that belong to no organisation (TOTP secrets).
CREATE TABLE instance_keys (
    version INTEGER PRIMARY KEY CHECK (version > 0),
    wrapped_key BLOB NOT NULL,
    master_key_version INTEGER NOT NULL CHECK (master_key_version > 0),
    created_at TEXT NOT NULL,
    retired_at TEXT
) STRICT;

-- When master rotations and retirements finished (for `flowsense keys status`).
CREATE TABLE key_rotations (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('master', 'retire')),
    master_key_version INTEGER NOT NULL,
    keys_rewrapped INTEGER NOT NULL,
    finished_at TEXT NOT NULL
) STRICT;

-- Per-organisation secrets: AI provider keys, webhook and signing secrets.
CREATE TABLE org_secrets (
    org_id BLOB NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    value_enc BLOB NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (org_id, name)
) STRICT;

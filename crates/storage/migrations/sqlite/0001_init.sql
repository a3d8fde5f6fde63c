-- FlowSense schema, SQLite dialect. Same file name and the same tables and columns as
-- ../postgres/0001_init.sql (checked by the schema parity test). STRICT tables catch type drift:
-- ids of people and tenants are UUID BLOBs, instants and dates are TEXT, booleans INTEGER 0/1,
-- money is INTEGER minor units.

CREATE TABLE organisations (
    id BLOB PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    base_currency TEXT NOT NULL,
    time_zone TEXT NOT NULL DEFAULT 'UTC',
    retention_days INTEGER NOT NULL DEFAULT 90,
    keep_monthly_rollups INTEGER NOT NULL DEFAULT 1,
    ai_enabled INTEGER NOT NULL DEFAULT 1,
    redact_names INTEGER NOT NULL DEFAULT 0,
    mfa_required INTEGER NOT NULL DEFAULT 0,
    digests_enabled INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE users (
    id BLOB PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    email_verified_at TEXT,
    mfa_secret_enc BLOB,
    mfa_enabled INTEGER NOT NULL DEFAULT 0,
    mfa_last_step INTEGER,
    digest_opt_out INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE memberships (
    org_id BLOB NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'member', 'viewer')),
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, user_id)
) STRICT;
CREATE INDEX memberships_by_user ON memberships (user_id);

CREATE TABLE sessions (
    id_hash BLOB PRIMARY KEY,
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

CREATE TABLE recovery_codes (
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash BLOB NOT NULL,
    used_at TEXT,
    PRIMARY KEY (user_id, code_hash)
) STRICT;

CREATE TABLE api_tokens (
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    scope TEXT NOT NULL CHECK (scope IN ('read', 'write')),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
) STRICT;

CREATE TABLE invitations (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'member', 'viewer')),
    token_hash BLOB NOT NULL UNIQUE,
    invited_by BLOB REFERENCES users(id) ON DELETE SET NULL,
    expires_at TEXT NOT NULL,
    accepted_at TEXT,
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE connections (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    provider TEXT NOT NULL CHECK (provider IN ('quickbooks', 'xero')),
    tenant_id TEXT NOT NULL,
    access_token_enc BLOB,
    refresh_token_enc BLOB,
    token_expires_at TEXT,
    sync_cursor TEXT,
    status TEXT NOT NULL,
    last_synced_at TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (org_id, provider, tenant_id)
) STRICT;

CREATE TABLE bank_accounts (
    id INTEGER PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    currency TEXT NOT NULL,
    opening_balance_minor INTEGER NOT NULL DEFAULT 0,
    external_id TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (org_id, name),
    UNIQUE (org_id, id)
) STRICT;

CREATE TABLE ledger_accounts (
    id INTEGER PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('asset', 'liability', 'equity', 'income', 'expense')),
    external_id TEXT,
    UNIQUE (org_id, code)
) STRICT;

CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    format TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    rows_read INTEGER NOT NULL,
    rows_added INTEGER NOT NULL,
    created_by BLOB REFERENCES users(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE transactions (
    id INTEGER PRIMARY KEY,
    org_id BLOB NOT NULL,
    account_id INTEGER NOT NULL,
    posted_on TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    currency TEXT NOT NULL,
    original_amount_minor INTEGER NOT NULL,
    original_currency TEXT NOT NULL,
    counterparty TEXT NOT NULL,
    description TEXT NOT NULL,
    category TEXT NOT NULL,
    is_transfer INTEGER NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT NOT NULL,
    import_id INTEGER,
    UNIQUE (org_id, external_id),
    -- One foreign key does three jobs: the account exists, it belongs to the same organisation,
    -- and deleting the organisation (which deletes its accounts) deletes the transactions.
    -- import_id has no foreign key on purpose: a bulk import checks one key per row, not three.
    FOREIGN KEY (org_id, account_id) REFERENCES bank_accounts (org_id, id) ON DELETE CASCADE
) STRICT;
CREATE INDEX transactions_by_date ON transactions (org_id, posted_on, id);

CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('invoice', 'bill')),
    number TEXT NOT NULL,
    counterparty TEXT NOT NULL,
    issue_date TEXT NOT NULL,
    due_date TEXT NOT NULL,
    paid_date TEXT,
    amount_minor INTEGER NOT NULL,
    currency TEXT NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT NOT NULL,
    UNIQUE (org_id, kind, external_id)
) STRICT;

CREATE TABLE monthly_rollups (
    org_id BLOB NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    month TEXT NOT NULL,
    category TEXT NOT NULL,
    inflow_minor INTEGER NOT NULL,
    outflow_minor INTEGER NOT NULL,
    txn_count INTEGER NOT NULL,
    PRIMARY KEY (org_id, month, category)
) STRICT;

CREATE TABLE insights (
    id INTEGER PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    title TEXT NOT NULL,
    figures TEXT NOT NULL,
    narrative TEXT NOT NULL,
    narrative_source TEXT NOT NULL CHECK (narrative_source IN ('template', 'ai')),
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE conversations (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title_enc BLOB NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE conversation_messages (
    id INTEGER PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    conversation_id BLOB NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    author TEXT NOT NULL CHECK (author IN ('user', 'assistant', 'tool')),
    content_enc BLOB NOT NULL,
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    actor_user_id BLOB,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    ip TEXT NOT NULL,
    details TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX audit_events_by_time ON audit_events (org_id, created_at);

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    org_id BLOB REFERENCES organisations(id) ON DELETE CASCADE,
    payload TEXT NOT NULL,
    run_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 5,
    locked_by TEXT,
    locked_until TEXT,
    last_error TEXT,
    dedupe_key TEXT UNIQUE,
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE webhook_events (
    provider TEXT NOT NULL,
    event_id TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (provider, event_id)
) STRICT;

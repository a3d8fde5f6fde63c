-- Column mappings saved for a bank account, and uploads waiting for their preview to be
-- confirmed. Same file name, tables and columns as ../postgres/0024_mapping_presets.sql, which
-- says what each holds: one mapping per bank account of the organisation, reused for that
-- account's later files; an uploaded file sealed with the organisation's key, bound to its
-- uploader, taken once, expiring after half an hour.
CREATE TABLE mapping_presets (
    org_id BLOB NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL,
    column_map TEXT NOT NULL,
    date_format TEXT,
    updated_by BLOB REFERENCES users(id) ON DELETE SET NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (org_id, account_id),
    FOREIGN KEY (org_id, account_id) REFERENCES bank_accounts (org_id, id) ON DELETE CASCADE
) STRICT;

CREATE TABLE pending_uploads (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    content_enc BLOB NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
) STRICT;
CREATE INDEX pending_uploads_by_user ON pending_uploads (org_id, user_id);
CREATE INDEX pending_uploads_by_expiry ON pending_uploads (expires_at);

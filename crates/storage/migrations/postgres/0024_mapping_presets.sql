-- Column mappings saved for a bank account, and uploads waiting for their preview to be
-- confirmed. Same file name, tables and columns as ../sqlite/0024_mapping_presets.sql.
--
-- mapping_presets: the mapping of a CSV file's columns that someone chose once for one of the
-- organisation's bank accounts (`flowsense import --map`, or the web upload's preview), reused
-- for that account's later files. `column_map` is the mapping as `--map` writes it
-- (`date=Posted,amount=Amt`); `date_format` the day/month order chosen with it, if any. One per
-- account; the account must be the organisation's own (the pair references bank_accounts), and
-- goes with it. Row-level security as on every organisation table.
CREATE TABLE mapping_presets (
    org_id UUID NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL,
    column_map TEXT NOT NULL,
    date_format TEXT,
    updated_by UUID REFERENCES users(id) ON DELETE SET NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, account_id),
    FOREIGN KEY (org_id, account_id) REFERENCES bank_accounts (org_id, id) ON DELETE CASCADE
);

ALTER TABLE mapping_presets ENABLE ROW LEVEL SECURITY;
ALTER TABLE mapping_presets FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON mapping_presets
    USING (org_id = NULLIF(current_setting('flowsense.org_id', true), '')::uuid)
    WITH CHECK (org_id = NULLIF(current_setting('flowsense.org_id', true), '')::uuid);

-- pending_uploads: a statement file uploaded on the import page and previewed, waiting for the
-- person who uploaded it to confirm (or correct) its mapping. The file is sealed with the
-- organisation's key, bound to its row (`content_enc`); the row is bound to its uploader, taken
-- once (deleted as it is imported), replaced by the same person's next upload, and expires after
-- half an hour (purged hourly with the other expired rows). Several stateless instances share
-- it, so the confirming request may reach another instance than the preview did.
CREATE TABLE pending_uploads (
    id UUID PRIMARY KEY,
    org_id UUID NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    content_enc BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX pending_uploads_by_user ON pending_uploads (org_id, user_id);
CREATE INDEX pending_uploads_by_expiry ON pending_uploads (expires_at);

-- The clean-up purges across organisations in the system scope.
ALTER TABLE pending_uploads ENABLE ROW LEVEL SECURITY;
ALTER TABLE pending_uploads FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON pending_uploads
    USING (org_id = NULLIF(current_setting('flowsense.org_id', true), '')::uuid
        OR current_setting('flowsense.scope', true) = 'system')
    WITH CHECK (org_id = NULLIF(current_setting('flowsense.org_id', true), '')::uuid
        OR current_setting('flowsense.scope', true) = 'system');

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'flowsense_app') THEN
        EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON mapping_presets, pending_uploads TO flowsense_app';
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'cannot grant to flowsense_app';
END
$$;

-- Books synced from QuickBooks and Xero, and the state of each connection's sync. Same file name,
-- tables and columns as ../postgres/0011_sync_state.sql.
--
-- transactions.source_id: the provider transaction a synced row belongs to (`{provider}:{tenant}:
-- Purchase:123`); a re-read replaces the rows of a source_id, a deletion removes them. NULL for
-- imported rows.
ALTER TABLE transactions ADD COLUMN source_id TEXT;
CREATE INDEX transactions_by_source ON transactions (org_id, source_id);

-- A synced bank or card account is found by the provider and tenant it came from
-- (`{provider}:{tenant}:{account id}`), so two connections never share one. NULLs (imported
-- accounts) do not collide.
CREATE UNIQUE INDEX bank_accounts_by_external_id ON bank_accounts (org_id, external_id);

-- Token rotation: a refresh runs under a lease (one per connection at a time) and saves the new
-- tokens only if token_version is still the one it read (compare-and-swap).
ALTER TABLE connections ADD COLUMN token_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE connections ADD COLUMN refresh_lease_owner TEXT;
ALTER TABLE connections ADD COLUMN refresh_lease_until TEXT;
-- Rows the last finished sync applied, and when the next one is due.
ALTER TABLE connections ADD COLUMN synced_rows INTEGER NOT NULL DEFAULT 0;
ALTER TABLE connections ADD COLUMN next_sync_at TEXT;

-- A `connection.sync` job is enqueued with the idempotency key `sync:{connection}` so that one
-- is queued at a time; once a worker takes it (or it ends) the key is released, so the next
-- change can queue the next sync.
CREATE TRIGGER jobs_release_sync_key AFTER UPDATE OF state ON jobs
WHEN NEW.state <> 'queued' AND NEW.idempotency_key LIKE 'sync:%'
BEGIN
    UPDATE jobs SET idempotency_key = NULL WHERE id = NEW.id;
END;

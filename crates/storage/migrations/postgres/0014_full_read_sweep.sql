-- Rows deleted at the provider while a connection could not see deletions (QuickBooks' change
-- data capture reaches back 30 days only). Same file name and columns as
-- ../sqlite/0014_full_read_sweep.sql.
--
-- seen_in_run: the full read of the connection's books (a backfill or a re-read) that last saw the
-- row, named by when that read began. When a full read completes, the connection's rows that do
-- not carry its name are gone at the provider and are removed in the same transaction as its
-- last page; a read stopped part way removes nothing. NULL for imported rows and for synced rows
-- no full read has seen since this column was added.
ALTER TABLE transactions ADD COLUMN seen_in_run TEXT;
ALTER TABLE documents ADD COLUMN seen_in_run TEXT;

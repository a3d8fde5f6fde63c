-- Makes every imported row cheaper to write. Same file name as
-- ../sqlite/0031_import_write_path.sql, which also respells a CHECK that SQLite evaluated
-- slowly (PostgreSQL evaluates the IN list as it is).
--
-- Only synced rows carry a source_id (migration 0011); imported ones, most of the books, have
-- NULL. The index on it now holds the synced rows alone, so an import no longer writes an entry
-- per row into it. The statements that read it compare source_id (`=`, `IN`, `ANY`,
-- `IS NOT NULL`), which implies it is not NULL, so they still use it.
DROP INDEX transactions_by_source;
CREATE INDEX transactions_by_source ON transactions (org_id, source_id)
WHERE source_id IS NOT NULL;

-- Two changes that make every imported row cheaper to write, neither touching stored data.
-- Same file name as ../postgres/0031_import_write_path.sql (which has the second one only).
--
-- 1. transactions.class_override's CHECK (migration 0017) is spelt as comparisons instead of an
--    IN list. SQLite evaluates an IN list of three or more constants in a CHECK by filling a
--    temporary index with them, once per row written, and that was a third of the cost of
--    inserting an imported row. The two spellings accept exactly the same values (NULL, or one
--    of the three), so the rows stored need no check again: this is SQLite's documented way of
--    changing a constraint that the content already satisfies ("ALTER TABLE: making other kinds
--    of table schema changes"). The schema version moves with the index change below, so every
--    other connection reloads the schema; RESET reloads it on this one.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(sql,
    'CHECK (class_override IN (''operating'', ''financing'', ''transfer''))',
    'CHECK (class_override = ''operating'' OR class_override = ''financing'' OR class_override = ''transfer'')')
WHERE type = 'table' AND name = 'transactions';
PRAGMA writable_schema = RESET;

-- 2. Only synced rows carry a source_id (migration 0011); imported ones, most of the books, have
--    NULL. The index on it now holds the synced rows alone, so an import no longer writes an
--    entry per row into it (a tenth of the bytes a large import wrote). The statements that
--    read it compare source_id (`=`, `IN`, `IS NOT NULL`), which implies it is not NULL, so
--    they still use it.
DROP INDEX transactions_by_source;
CREATE INDEX transactions_by_source ON transactions (org_id, source_id)
WHERE source_id IS NOT NULL;

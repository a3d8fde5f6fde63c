-- A counter that moves on every write to an organisation's books (transactions, documents, bank
-- accounts, monthly rollups), so computed analytics can be cached under it and never served
-- stale. Same file name and column as ../sqlite/0006_books_version.sql.
ALTER TABLE organisations ADD COLUMN books_version BIGINT NOT NULL DEFAULT 0;

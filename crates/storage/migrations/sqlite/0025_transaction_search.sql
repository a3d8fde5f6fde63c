-- Word search over transactions (`q=` on the transactions page and API). Same file name as
-- ../postgres/0025_transaction_search.sql, which does the same with a tsvector column.
--
-- transaction_search: an FTS5 index keyed by transactions.id (its rowid). It indexes the
-- description, the counterparty as shown (the owner's name for it, and the source's name when
-- the owner renamed it), the category as shown, and the file's own reference of an imported row
-- (not the hash made up for rows without one, nor a synced row's provider id). Contentless
-- (content=''): the text already lives in transactions; the index holds only tokens. It has no
-- org_id: every search joins back to transactions and filters on org_id there. Triggers keep it
-- current on every insert, delete (including cascades from a deleted account or organisation)
-- and change of an indexed column, whichever code path makes it (imports, syncs, corrections,
-- rules, retention). columnsize=0: no per-row sizes, which only ranking by bm25 would read.
CREATE VIRTUAL TABLE transaction_search USING fts5(
    description,
    counterparty,
    category,
    reference,
    content = '',
    columnsize = 0,
    tokenize = 'unicode61 remove_diacritics 2'
);

INSERT INTO transaction_search (rowid, description, counterparty, category, reference)
SELECT t.id, t.description,
        CASE WHEN t.counterparty_override IS NULL THEN t.counterparty
             ELSE t.counterparty_override || ' ' || t.counterparty END,
        COALESCE(t.category_override, t.category),
        CASE WHEN t.source_id IS NULL AND t.external_id NOT LIKE 'fs:%' THEN t.external_id
             ELSE '' END
FROM transactions t;

CREATE TRIGGER transaction_search_after_insert AFTER INSERT ON transactions BEGIN
    INSERT INTO transaction_search (rowid, description, counterparty, category, reference)
    VALUES (new.id, new.description,
        CASE WHEN new.counterparty_override IS NULL THEN new.counterparty
             ELSE new.counterparty_override || ' ' || new.counterparty END,
        COALESCE(new.category_override, new.category),
        CASE WHEN new.source_id IS NULL AND new.external_id NOT LIKE 'fs:%' THEN new.external_id
             ELSE '' END);
END;

-- A contentless index forgets a row only when told the exact values it indexed.
CREATE TRIGGER transaction_search_after_delete AFTER DELETE ON transactions BEGIN
    INSERT INTO transaction_search (transaction_search, rowid, description, counterparty, category, reference)
    VALUES ('delete', old.id, old.description,
        CASE WHEN old.counterparty_override IS NULL THEN old.counterparty
             ELSE old.counterparty_override || ' ' || old.counterparty END,
        COALESCE(old.category_override, old.category),
        CASE WHEN old.source_id IS NULL AND old.external_id NOT LIKE 'fs:%' THEN old.external_id
             ELSE '' END);
END;

CREATE TRIGGER transaction_search_after_update
AFTER UPDATE OF description, counterparty, counterparty_override, category, category_override,
    external_id, source_id
ON transactions BEGIN
    INSERT INTO transaction_search (transaction_search, rowid, description, counterparty, category, reference)
    VALUES ('delete', old.id, old.description,
        CASE WHEN old.counterparty_override IS NULL THEN old.counterparty
             ELSE old.counterparty_override || ' ' || old.counterparty END,
        COALESCE(old.category_override, old.category),
        CASE WHEN old.source_id IS NULL AND old.external_id NOT LIKE 'fs:%' THEN old.external_id
             ELSE '' END);
    INSERT INTO transaction_search (rowid, description, counterparty, category, reference)
    VALUES (new.id, new.description,
        CASE WHEN new.counterparty_override IS NULL THEN new.counterparty
             ELSE new.counterparty_override || ' ' || new.counterparty END,
        COALESCE(new.category_override, new.category),
        CASE WHEN new.source_id IS NULL AND new.external_id NOT LIKE 'fs:%' THEN new.external_id
             ELSE '' END);
END;

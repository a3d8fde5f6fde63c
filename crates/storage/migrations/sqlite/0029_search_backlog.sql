-- Large imports are indexed for word search after they commit, in the background, instead of
-- row by row inside the import. Same file name as ../postgres/0029_search_backlog.sql.
--
-- search_backlog: ranges of transaction ids that the search index does not hold yet
-- (`flowsense_storage::search_index`). An import or sync page opens one, up to the largest id,
-- when it starts, so every row it adds is known to be unindexed while it runs; before it commits
-- it indexes up to 10,000 new rows and removes the range, or closes the range at its newest row
-- for the `search.index` job, which takes it in 10,000 rows at a time. No foreign key on
-- purpose: deleting an organisation deletes its transactions first (their delete trigger below
-- reads this table to know which rows the index never had) and its ranges last
-- (`orgs/delete_search_backlog`).
CREATE TABLE search_backlog (
    id INTEGER PRIMARY KEY,
    org_id BLOB NOT NULL,
    first_id INTEGER NOT NULL,
    last_id INTEGER NOT NULL
) STRICT;
CREATE INDEX search_backlog_by_org ON search_backlog (org_id, first_id);

-- The index no longer takes each new row as it is inserted: `search_index::rows_added` does,
-- in one statement per import or sync page, or the job later.
DROP TRIGGER transaction_search_after_insert;

-- A contentless index forgets a row only when told the exact values it indexed, and must never
-- be told to forget a row it does not hold: rows still waiting in the backlog are left alone
-- (the job reads their values as they are when it gets to them).
DROP TRIGGER transaction_search_after_delete;
CREATE TRIGGER transaction_search_after_delete AFTER DELETE ON transactions
WHEN NOT EXISTS (
    SELECT 1 FROM search_backlog b
    WHERE b.org_id = old.org_id AND b.first_id <= old.id AND old.id <= b.last_id
)
BEGIN
    INSERT INTO transaction_search (transaction_search, rowid, description, counterparty, category, reference)
    VALUES ('delete', old.id, old.description,
        CASE WHEN old.counterparty_override IS NULL THEN old.counterparty
             ELSE old.counterparty_override || ' ' || old.counterparty END,
        COALESCE(old.category_override, old.category),
        CASE WHEN old.source_id IS NULL AND old.external_id NOT LIKE 'fs:%' THEN old.external_id
             ELSE '' END);
END;

DROP TRIGGER transaction_search_after_update;
CREATE TRIGGER transaction_search_after_update
AFTER UPDATE OF description, counterparty, counterparty_override, category, category_override,
    external_id, source_id
ON transactions
WHEN NOT EXISTS (
    SELECT 1 FROM search_backlog b
    WHERE b.org_id = old.org_id AND b.first_id <= old.id AND old.id <= b.last_id
)
BEGIN
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

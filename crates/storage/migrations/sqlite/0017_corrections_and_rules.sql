-- The owner's corrections of a transaction, kept apart from what the bank file or the provider
-- said, so that a re-sync (which rewrites counterparty, category and is_transfer) never undoes
-- them. Same file name and columns as ../postgres/0017_corrections_and_rules.sql.
--
-- transactions.*_override: NULL where the owner changed nothing; reports read
-- COALESCE(override, synced value). class_override is operating, financing or transfer.
ALTER TABLE transactions ADD COLUMN category_override TEXT;
ALTER TABLE transactions ADD COLUMN counterparty_override TEXT;
ALTER TABLE transactions ADD COLUMN class_override TEXT
    CHECK (class_override IN ('operating', 'financing', 'transfer'));

-- transaction_rules: "always do this for this counterparty". A rule matches the counterparty
-- name as the source wrote it, and sets the category, the name shown and the class (each
-- optional) of every transaction that imports and syncs add after it; applied_to_past says
-- whether the owner also applied it to the transactions already there when it was made.
CREATE TABLE transaction_rules (
    id INTEGER PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    counterparty TEXT NOT NULL,
    category TEXT,
    counterparty_name TEXT,
    class TEXT CHECK (class IN ('operating', 'financing', 'transfer')),
    applied_to_past INTEGER NOT NULL,
    created_by BLOB REFERENCES users(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    UNIQUE (org_id, counterparty)
) STRICT;

-- Word search over transactions (`q=` on the transactions page and API). Same file name as
-- ../sqlite/0025_transaction_search.sql, which does the same with an FTS5 index.
--
-- search_document: the description, the counterparty as shown (the owner's name for it, and the
-- source's name when the owner renamed it), the category as shown, and the file's own reference
-- of an imported row (not the hash made up for rows without one, nor a synced row's provider id),
-- as 'simple' lexemes (lower-cased words, no stemming, no stop words). A generated column, so
-- every insert and update keeps it current whichever code path makes it; the GIN index serves
-- `@@`. Row-level security on transactions covers it like any other column.
--
-- Everything but letters and digits becomes a space before the parser sees it, so words are
-- runs of letters and digits as on SQLite and in the search text: 'INV-1234' is 'inv' and
-- '1234' (the parser alone reads '-1234', a signed number), '12.50' is '12' and '50'.
ALTER TABLE transactions ADD COLUMN search_document tsvector GENERATED ALWAYS AS (
    to_tsvector('simple'::regconfig, regexp_replace(
        description || ' '
        || COALESCE(counterparty_override || ' ', '') || counterparty || ' '
        || COALESCE(category_override, category) || ' '
        || CASE WHEN source_id IS NULL AND external_id NOT LIKE 'fs:%' THEN external_id ELSE '' END,
        '[^[:alnum:]]+', ' ', 'g'))
) STORED;

CREATE INDEX transactions_search ON transactions USING GIN (search_document);

-- Exchange rates for books kept in more than one currency. Same file name, tables and columns as
-- ../postgres/0018_exchange_rates.sql, which says what each holds.
--
-- exchange_rates: an organisation's own rates (provider syncs, files, settings); one per
-- organisation, date and pair. reference_rates: rates of the whole installation
-- (`flowsense rates import FILE`); an organisation's own rate wins on the same pair and date.
-- `rate` is units of to_currency per unit of from_currency, an exact decimal kept as text.
CREATE TABLE exchange_rates (
    id INTEGER PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    rate_date TEXT NOT NULL,
    from_currency TEXT NOT NULL,
    to_currency TEXT NOT NULL,
    rate TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('quickbooks', 'xero', 'file', 'manual')),
    created_at TEXT NOT NULL,
    UNIQUE (org_id, rate_date, from_currency, to_currency)
) STRICT;

CREATE TABLE reference_rates (
    rate_date TEXT NOT NULL,
    from_currency TEXT NOT NULL,
    to_currency TEXT NOT NULL,
    rate TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (rate_date, from_currency, to_currency)
) STRICT;

-- Totals of transactions purged by retention (SPEC §6), so the analytics keep working over
-- purged history. They hold only purged rows: a transaction is either still in `transactions`
-- or counted here, never both. Same file name, tables and columns as
-- ../postgres/0008_retention_rollups.sql, which says what each table is for.
CREATE TABLE monthly_flow_rollups (
    org_id BLOB NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    month TEXT NOT NULL,
    account_id INTEGER NOT NULL,
    category TEXT NOT NULL,
    counterparty TEXT NOT NULL,
    is_transfer INTEGER NOT NULL,
    inflow_minor INTEGER NOT NULL,
    outflow_minor INTEGER NOT NULL,
    inflow_count INTEGER NOT NULL,
    outflow_count INTEGER NOT NULL,
    PRIMARY KEY (org_id, month, account_id, category, counterparty, is_transfer)
) STRICT;

CREATE TABLE weekly_counterparty_rollups (
    org_id BLOB NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    week TEXT NOT NULL,
    counterparty TEXT NOT NULL,
    inflow_minor INTEGER NOT NULL,
    outflow_minor INTEGER NOT NULL,
    PRIMARY KEY (org_id, week, counterparty)
) STRICT;

-- The weekly totals of purged transactions keep each currency apart, so the books convert them
-- into the base currency at their week's rate like every other amount. Same file name, table and
-- columns as ../postgres/0026_weekly_rollup_currency.sql.
--
-- `currency` is the transactions' own; '' marks rows rolled up before this migration, which were
-- summed as they stood and are read in the organisation's base currency.
CREATE TABLE weekly_counterparty_rollups_by_currency (
    org_id BLOB NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    week TEXT NOT NULL,
    counterparty TEXT NOT NULL,
    currency TEXT NOT NULL,
    inflow_minor INTEGER NOT NULL,
    outflow_minor INTEGER NOT NULL,
    PRIMARY KEY (org_id, week, counterparty, currency)
) STRICT;

INSERT INTO weekly_counterparty_rollups_by_currency
    (org_id, week, counterparty, currency, inflow_minor, outflow_minor)
SELECT org_id, week, counterparty, '', inflow_minor, outflow_minor
FROM weekly_counterparty_rollups;

DROP TABLE weekly_counterparty_rollups;
ALTER TABLE weekly_counterparty_rollups_by_currency RENAME TO weekly_counterparty_rollups;

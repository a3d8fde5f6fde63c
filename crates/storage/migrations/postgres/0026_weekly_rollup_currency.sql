-- The weekly totals of purged transactions keep each currency apart, so the books convert them
-- into the base currency at their week's rate like every other amount. Same file name, table and
-- columns as ../sqlite/0026_weekly_rollup_currency.sql.
--
-- `currency` is the transactions' own; '' marks rows rolled up before this migration, which were
-- summed as they stood and are read in the organisation's base currency. Row-level security and
-- grants stay as 0009 set them.
ALTER TABLE weekly_counterparty_rollups ADD COLUMN currency TEXT NOT NULL DEFAULT '';
ALTER TABLE weekly_counterparty_rollups ALTER COLUMN currency DROP DEFAULT;
ALTER TABLE weekly_counterparty_rollups DROP CONSTRAINT weekly_counterparty_rollups_pkey;
ALTER TABLE weekly_counterparty_rollups ADD PRIMARY KEY (org_id, week, counterparty, currency);

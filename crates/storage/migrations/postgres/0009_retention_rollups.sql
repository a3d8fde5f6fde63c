-- Totals of transactions purged by retention (SPEC §6), so the analytics keep working over
-- purged history. They hold only purged rows: a transaction is either still in `transactions`
-- or counted here, never both (the purge adds a batch here and deletes it in one transaction).
-- Same file name, tables and columns as ../sqlite/0008_retention_rollups.sql.
--
-- monthly_flow_rollups: per month, bank account, category, counterparty and transfer flag, the
-- grain of the cash-flow report (totals, by category, by counterparty, by account) and of the
-- balances (transfers included). Counts are split by sign so a report's counts stay exact.
-- weekly_counterparty_rollups: per ISO week (its Monday) and counterparty, non-transfer flows
-- only: the forecast's weekly history, whose streams are chosen per counterparty at analysis
-- time (recurring payees are modelled apart).
-- The older `monthly_rollups` (per category) is left as it was; nothing writes it.
CREATE TABLE monthly_flow_rollups (
    org_id UUID NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    month DATE NOT NULL,
    account_id BIGINT NOT NULL,
    category TEXT NOT NULL,
    counterparty TEXT NOT NULL,
    is_transfer BOOLEAN NOT NULL,
    inflow_minor BIGINT NOT NULL,
    outflow_minor BIGINT NOT NULL,
    inflow_count BIGINT NOT NULL,
    outflow_count BIGINT NOT NULL,
    PRIMARY KEY (org_id, month, account_id, category, counterparty, is_transfer)
);

CREATE TABLE weekly_counterparty_rollups (
    org_id UUID NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    week DATE NOT NULL,
    counterparty TEXT NOT NULL,
    inflow_minor BIGINT NOT NULL,
    outflow_minor BIGINT NOT NULL,
    PRIMARY KEY (org_id, week, counterparty)
);

ALTER TABLE monthly_flow_rollups ENABLE ROW LEVEL SECURITY;
ALTER TABLE monthly_flow_rollups FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON monthly_flow_rollups
    USING (org_id = NULLIF(current_setting('flowsense.org_id', true), '')::uuid)
    WITH CHECK (org_id = NULLIF(current_setting('flowsense.org_id', true), '')::uuid);
ALTER TABLE weekly_counterparty_rollups ENABLE ROW LEVEL SECURITY;
ALTER TABLE weekly_counterparty_rollups FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON weekly_counterparty_rollups
    USING (org_id = NULLIF(current_setting('flowsense.org_id', true), '')::uuid)
    WITH CHECK (org_id = NULLIF(current_setting('flowsense.org_id', true), '')::uuid);

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'flowsense_app') THEN
        EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON monthly_flow_rollups, weekly_counterparty_rollups TO flowsense_app';
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'cannot grant to flowsense_app';
END
$$;

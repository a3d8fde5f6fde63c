WITH purged AS (
    DELETE FROM transactions
    WHERE org_id = $1 AND (posted_on, id) < ($2, $3)
    RETURNING org_id, posted_on, account_id, category, counterparty, is_transfer, amount_minor,
        currency
), months AS (
    INSERT INTO monthly_flow_rollups AS r (org_id, month, account_id, category, counterparty,
        is_transfer, inflow_minor, outflow_minor, inflow_count, outflow_count)
    SELECT org_id, date_trunc('month', posted_on)::date, account_id, category, counterparty,
        is_transfer,
        SUM(CASE WHEN amount_minor >= 0 THEN amount_minor ELSE 0 END)::bigint,
        SUM(CASE WHEN amount_minor < 0 THEN amount_minor ELSE 0 END)::bigint,
        COUNT(*) FILTER (WHERE amount_minor >= 0),
        COUNT(*) FILTER (WHERE amount_minor < 0)
    FROM purged
    GROUP BY org_id, date_trunc('month', posted_on)::date, account_id, category, counterparty,
        is_transfer
    ON CONFLICT (org_id, month, account_id, category, counterparty, is_transfer) DO UPDATE SET
        inflow_minor = r.inflow_minor + EXCLUDED.inflow_minor,
        outflow_minor = r.outflow_minor + EXCLUDED.outflow_minor,
        inflow_count = r.inflow_count + EXCLUDED.inflow_count,
        outflow_count = r.outflow_count + EXCLUDED.outflow_count
), weeks AS (
    INSERT INTO weekly_counterparty_rollups AS w (org_id, week, counterparty, currency,
        inflow_minor, outflow_minor)
    SELECT org_id, date_trunc('week', posted_on)::date, counterparty, currency,
        SUM(CASE WHEN amount_minor >= 0 THEN amount_minor ELSE 0 END)::bigint,
        SUM(CASE WHEN amount_minor < 0 THEN amount_minor ELSE 0 END)::bigint
    FROM purged
    WHERE NOT is_transfer
    GROUP BY org_id, date_trunc('week', posted_on)::date, counterparty, currency
    ON CONFLICT (org_id, week, counterparty, currency) DO UPDATE SET
        inflow_minor = w.inflow_minor + EXCLUDED.inflow_minor,
        outflow_minor = w.outflow_minor + EXCLUDED.outflow_minor
)
SELECT COUNT(*) AS purged FROM purged

INSERT INTO weekly_counterparty_rollups (org_id, week, counterparty, currency, inflow_minor,
    outflow_minor)
SELECT org_id, date(posted_on, 'weekday 0', '-6 days'), counterparty, currency,
    SUM(CASE WHEN amount_minor >= 0 THEN amount_minor ELSE 0 END),
    SUM(CASE WHEN amount_minor < 0 THEN amount_minor ELSE 0 END)
FROM transactions
WHERE org_id = $1 AND (posted_on, id) < ($2, $3) AND is_transfer = 0
GROUP BY org_id, date(posted_on, 'weekday 0', '-6 days'), counterparty, currency
ON CONFLICT (org_id, week, counterparty, currency) DO UPDATE SET
    inflow_minor = weekly_counterparty_rollups.inflow_minor + excluded.inflow_minor,
    outflow_minor = weekly_counterparty_rollups.outflow_minor + excluded.outflow_minor

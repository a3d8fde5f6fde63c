INSERT INTO monthly_flow_rollups (org_id, month, account_id, category, counterparty, is_transfer,
    inflow_minor, outflow_minor, inflow_count, outflow_count)
SELECT org_id, strftime('%Y-%m-01', posted_on), account_id, category, counterparty, is_transfer,
    SUM(CASE WHEN amount_minor >= 0 THEN amount_minor ELSE 0 END),
    SUM(CASE WHEN amount_minor < 0 THEN amount_minor ELSE 0 END),
    SUM(CASE WHEN amount_minor >= 0 THEN 1 ELSE 0 END),
    SUM(CASE WHEN amount_minor < 0 THEN 1 ELSE 0 END)
FROM transactions
WHERE org_id = $1 AND (posted_on, id) < ($2, $3)
GROUP BY org_id, strftime('%Y-%m-01', posted_on), account_id, category, counterparty, is_transfer
ON CONFLICT (org_id, month, account_id, category, counterparty, is_transfer) DO UPDATE SET
    inflow_minor = monthly_flow_rollups.inflow_minor + excluded.inflow_minor,
    outflow_minor = monthly_flow_rollups.outflow_minor + excluded.outflow_minor,
    inflow_count = monthly_flow_rollups.inflow_count + excluded.inflow_count,
    outflow_count = monthly_flow_rollups.outflow_count + excluded.outflow_count

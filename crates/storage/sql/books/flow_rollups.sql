SELECT month, account_id, category, counterparty, is_transfer, inflow_minor, outflow_minor,
inflow_count, outflow_count FROM monthly_flow_rollups
WHERE org_id = $1 ORDER BY month, account_id, category, counterparty, is_transfer

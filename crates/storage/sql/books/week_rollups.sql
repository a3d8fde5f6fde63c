SELECT week, counterparty, currency, inflow_minor, outflow_minor FROM weekly_counterparty_rollups
WHERE org_id = $1 ORDER BY week, counterparty, currency

SELECT month, category, inflow_minor, outflow_minor, txn_count FROM monthly_rollups
WHERE org_id = $1 ORDER BY month, category

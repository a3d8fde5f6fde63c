SELECT r.month, a.name AS account, r.category, r.counterparty, r.is_transfer, r.inflow_minor,
r.outflow_minor, r.inflow_count, r.outflow_count FROM monthly_flow_rollups r
JOIN bank_accounts a ON a.id = r.account_id AND a.org_id = r.org_id
WHERE r.org_id = $1 ORDER BY r.month, a.name, r.category, r.counterparty, r.is_transfer

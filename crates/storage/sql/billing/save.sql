INSERT INTO org_billing (org_id, stripe_customer_id, stripe_subscription_id, plan, status, price_id,
current_period_end, cancel_at_period_end, payment_failing_since, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (org_id) DO UPDATE SET stripe_customer_id = excluded.stripe_customer_id,
stripe_subscription_id = excluded.stripe_subscription_id, plan = excluded.plan,
status = excluded.status, price_id = excluded.price_id,
current_period_end = excluded.current_period_end,
cancel_at_period_end = excluded.cancel_at_period_end,
payment_failing_since = excluded.payment_failing_since, updated_at = excluded.updated_at

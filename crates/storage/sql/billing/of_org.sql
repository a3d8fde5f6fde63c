SELECT stripe_customer_id, stripe_subscription_id, plan, status, price_id, current_period_end,
cancel_at_period_end, payment_failing_since, updated_at FROM org_billing WHERE org_id = $1

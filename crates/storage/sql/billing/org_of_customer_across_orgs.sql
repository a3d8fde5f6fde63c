SELECT org_id FROM org_billing WHERE stripe_customer_id = $1

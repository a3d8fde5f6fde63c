-- Each organisation's Stripe subscription as last fetched from Stripe. Same file name, table
-- and columns as ../postgres/0020_billing.sql, which says what each is for.
CREATE TABLE org_billing (
    org_id BLOB PRIMARY KEY REFERENCES organisations(id) ON DELETE CASCADE,
    stripe_customer_id TEXT UNIQUE,
    stripe_subscription_id TEXT,
    plan TEXT NOT NULL,
    status TEXT NOT NULL,
    price_id TEXT,
    current_period_end TEXT,
    cancel_at_period_end INTEGER NOT NULL CHECK (cancel_at_period_end IN (0, 1)),
    payment_failing_since TEXT,
    updated_at TEXT NOT NULL
) STRICT;

-- Each organisation's Stripe subscription, as last fetched from Stripe's API (never as an event
-- said it: events arrive out of order). Same file name, table and columns as
-- ../sqlite/0020_billing.sql.
--
-- org_billing: one row per organisation that ever started a checkout. `stripe_customer_id` is the
-- Stripe customer that pays for it (the webhook finds the organisation by it, across
-- organisations); `plan` is the configured plan the subscription's price maps to, or `free`;
-- `status` is Stripe's subscription status (`none` before any subscription);
-- `current_period_end` is when the next invoice is due; `payment_failing_since` is when a renewal
-- payment first failed (the grace period runs from it; cleared once an invoice is paid). No card
-- data and no amounts are kept here: the plan's price is configuration.
CREATE TABLE org_billing (
    org_id UUID PRIMARY KEY REFERENCES organisations(id) ON DELETE CASCADE,
    stripe_customer_id TEXT UNIQUE,
    stripe_subscription_id TEXT,
    plan TEXT NOT NULL,
    status TEXT NOT NULL,
    price_id TEXT,
    current_period_end TIMESTAMPTZ,
    cancel_at_period_end BOOLEAN NOT NULL,
    payment_failing_since TIMESTAMPTZ,
    updated_at TIMESTAMPTZ NOT NULL
);

-- The Stripe webhook finds the organisation of a customer across organisations, with
-- flowsense.scope = 'system' (as the job worker does).
ALTER TABLE org_billing ENABLE ROW LEVEL SECURITY;
ALTER TABLE org_billing FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON org_billing
    USING (org_id = NULLIF(current_setting('flowsense.org_id', true), '')::uuid
           OR current_setting('flowsense.scope', true) = 'system')
    WITH CHECK (org_id = NULLIF(current_setting('flowsense.org_id', true), '')::uuid
           OR current_setting('flowsense.scope', true) = 'system');

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'flowsense_app') THEN
        EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON org_billing TO flowsense_app';
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'cannot grant to flowsense_app';
END
$$;

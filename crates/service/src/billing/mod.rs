//! Billing with Stripe: plans and their limits (configuration), an organisation's current plan
//! (as last fetched from Stripe, with a grace period after a failed payment), upgrading through
//! Checkout and managing through the Billing Portal (admins only), the signed webhook, and the
//! limits where they bite.
//!
//! With billing off (no `STRIPE_SECRET_KEY`) every organisation is on [`Plan::unlimited`]: no
//! billing page, no limits beyond the instance's own (the AI allowance).

mod checkout;
mod customer;
mod limits;
mod plans;
mod webhook;

pub use checkout::{open_portal, start_checkout};
pub use customer::{
    DELETE_CUSTOMER, DELETE_CUSTOMER_ATTEMPTS, delete_org_and_its_customer, register,
};
pub use flowsense_webhooks::stripe::{
    SIGNATURE_TOLERANCE_SECS, SignatureError, verify_stripe_signature,
};
pub use limits::{
    PlanLimitReached, Usage, check_can_add_connection, check_can_invite, history_start, usage,
};
pub use plans::{Plan, PlanLimits, Plans};
pub use webhook::{STRIPE_SIGNATURE_HEADER, StripeReceived, StripeWebhookError, receive_stripe};

use crate::Context;
use crate::orgs::OrgAccess;
use chrono::{DateTime, TimeDelta, Utc};
use flowsense_core::{OrgId, Role};
use flowsense_integrations::stripe::{Stripe, StripeError};
use flowsense_storage::{BillingRecord, StorageError};
use secrecy::SecretString;
use std::sync::Arc;

/// How long a subscription whose renewal payment failed keeps its plan's limits.
pub const DEFAULT_GRACE_DAYS: i64 = 7;

/// The instance's billing: Stripe's client and endpoint secrets, the plans, the grace period.
/// Off (the default) unless `STRIPE_SECRET_KEY` is set.
#[derive(Clone)]
pub struct Billing {
    pub stripe: Option<Arc<Stripe>>,
    /// `STRIPE_WEBHOOK_SECRET`: every secret deliveries may be signed with (two while one is
    /// rolled).
    pub webhook_secrets: Vec<SecretString>,
    pub plans: Plans,
    pub grace: TimeDelta,
}

impl Default for Billing {
    fn default() -> Self {
        Self {
            stripe: None,
            webhook_secrets: Vec::new(),
            plans: Plans::default(),
            grace: TimeDelta::days(DEFAULT_GRACE_DAYS),
        }
    }
}

impl std::fmt::Debug for Billing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Billing")
            .field("enabled", &self.stripe.is_some())
            .field("webhook_secrets", &self.webhook_secrets.len())
            .field("plans", &self.plans)
            .field("grace", &self.grace)
            .finish()
    }
}

impl Billing {
    /// Whether billing is on (a Stripe secret key is configured).
    #[must_use]
    pub fn enabled(&self) -> bool {
        self.stripe.is_some()
    }

    /// The plan whose limits apply to an organisation in `record`'s state at `now`: unlimited
    /// with billing off; the free plan without a subscription, once it ended, or once a failed
    /// payment's grace period ran out; else the subscription's plan.
    #[must_use]
    pub fn effective_plan(&self, record: Option<&BillingRecord>, now: DateTime<Utc>) -> Plan {
        if !self.enabled() {
            return Plan::unlimited();
        }
        let Some(r) = record else {
            return self.plans.free.clone();
        };
        let paid = self.plans.by_key(&r.plan).cloned();
        match r.status.as_str() {
            "active" | "trialing" => paid.unwrap_or_else(|| self.plans.free.clone()),
            "past_due" | "unpaid"
                if r.payment_failing_since
                    .is_none_or(|since| now < since + self.grace) =>
            {
                paid.unwrap_or_else(|| self.plans.free.clone())
            }
            _ => self.plans.free.clone(),
        }
    }
}

/// Why a billing use case did not happen. The web crate maps each to its HTTP answer.
#[derive(Debug, thiserror::Error)]
pub enum BillingError {
    /// Billing is off on this instance: the routes are not found.
    #[error("not found")]
    NotEnabled,
    #[error("only admins can manage billing")]
    RoleTooLow,
    /// The portal needs a Stripe customer, made by a first checkout.
    #[error("this organisation has no subscription to manage yet; upgrade first")]
    NoCustomer,
    /// The plan asked for is not one of the configured paid plans.
    #[error("no such plan")]
    UnknownPlan,
    #[error("Stripe did not complete the request")]
    Stripe(#[source] StripeError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// What the billing page shows.
#[derive(Debug, Clone)]
pub struct Overview {
    pub plan: Plan,
    /// Stripe's subscription status, or `none`.
    pub status: String,
    pub usage: Usage,
    /// When the next invoice is due, for how much (the plan's price).
    pub next_invoice: Option<DateTime<Utc>>,
    pub cancel_at_period_end: bool,
    /// A renewal payment failed: the plan's limits hold until then.
    pub grace_until: Option<DateTime<Utc>>,
    /// The paid plans an admin can move to.
    pub upgrades: Vec<Plan>,
    /// A Stripe customer exists, so the portal can open.
    pub can_manage: bool,
}

fn require_admin(ctx: &Context, who: &OrgAccess) -> Result<(), BillingError> {
    if !ctx.providers.billing.enabled() {
        return Err(BillingError::NotEnabled);
    }
    if who.role != Role::Admin {
        return Err(BillingError::RoleTooLow);
    }
    Ok(())
}

/// The plan whose limits apply to `org` now.
///
/// # Errors
/// A database failure.
pub async fn current_plan(ctx: &Context, org: OrgId) -> Result<Plan, StorageError> {
    let billing = &ctx.providers.billing;
    if !billing.enabled() {
        return Ok(Plan::unlimited());
    }
    let record = ctx.store.billing_of(org).await?;
    let now = ctx.now();
    if let Some(r) = &record {
        record_grace_end(ctx, org, r, now).await?;
    }
    Ok(billing.effective_plan(record.as_ref(), now))
}

/// The audit action recorded when a failed payment's grace period has run out.
pub const GRACE_ENDED: &str = "billing.grace_ended";

/// When a failed payment's grace period runs out the plan falls to the free plan's limits with
/// no Stripe event to say so: the first time that is seen it goes into the audit log, once per
/// spell of failing payments (whose start the event names).
async fn record_grace_end(
    ctx: &Context,
    org: OrgId,
    r: &BillingRecord,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    let Some(since) = r.payment_failing_since else {
        return Ok(());
    };
    let ended = since + ctx.providers.billing.grace;
    if !matches!(r.status.as_str(), "past_due" | "unpaid") || now < ended {
        return Ok(());
    }
    if ctx
        .store
        .count_audit_actions_since(org, GRACE_ENDED, since)
        .await?
        > 0
    {
        return Ok(());
    }
    crate::audit::in_org(
        ctx,
        org,
        None,
        GRACE_ENDED,
        format!(
            "subscription:{}",
            r.stripe_subscription_id.as_deref().unwrap_or("none")
        ),
        "",
        serde_json::json!({
            "plan_before": r.plan,
            "plan": ctx.providers.billing.plans.free.key,
            "status": r.status,
            "failing_since": since.to_rfc3339(),
            "grace_ended_at": ended.to_rfc3339(),
        }),
    )
    .await
}

/// The billing page of `who`'s organisation: plan, usage against its limits, next invoice,
/// status.
///
/// # Errors
/// [`BillingError::NotEnabled`], [`BillingError::RoleTooLow`], a database failure.
pub async fn overview(ctx: &Context, who: &OrgAccess) -> Result<Overview, BillingError> {
    require_admin(ctx, who)?;
    let billing = &ctx.providers.billing;
    let now = ctx.now();
    let record = ctx.store.billing_of(who.org).await?;
    if let Some(r) = &record {
        record_grace_end(ctx, who.org, r, now).await?;
    }
    let plan = billing.effective_plan(record.as_ref(), now);
    let usage = usage(ctx, who.org).await?;
    let r = record.as_ref();
    let live = r.is_some_and(|r| !matches!(r.status.as_str(), "canceled" | "none"));
    Ok(Overview {
        upgrades: billing
            .plans
            .paid
            .iter()
            .filter(|p| p.key != plan.key)
            .cloned()
            .collect(),
        status: r.map_or_else(|| "none".to_owned(), |r| r.status.clone()),
        next_invoice: r
            .filter(|r| live && !r.cancel_at_period_end)
            .and_then(|r| r.current_period_end),
        cancel_at_period_end: r.is_some_and(|r| r.cancel_at_period_end),
        grace_until: r
            .filter(|r| matches!(r.status.as_str(), "past_due" | "unpaid"))
            .and_then(|r| r.payment_failing_since)
            .map(|since| since + billing.grace),
        can_manage: r.is_some_and(|r| r.stripe_customer_id.is_some()),
        usage,
        plan,
    })
}

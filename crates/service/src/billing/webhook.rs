//! `POST /webhooks/stripe`: a delivery is acted on only with a valid `Stripe-Signature` over the
//! raw body (see [`verify_stripe_signature`]); the exact signed delivery seen twice is a replay
//! and refused; each event id is acted on once (Stripe's own retries and duplicates of it are
//! accepted and do nothing new). Events are not trusted for state: each names a subscription
//! (directly, through a checkout session, or through an invoice), which is fetched from Stripe
//! and recorded as Stripe holds it now, so events arriving out of order end in the right state.
//!
//! Logs name event types and counts, never a signature, secret, body or amount.

use super::{BillingError, SIGNATURE_TOLERANCE_SECS, SignatureError, verify_stripe_signature};
use crate::Context;
use crate::identity::crypto::sha256;
use crate::identity::limits::{Bucket, RateLimited};
use flowsense_core::OrgId;
use flowsense_integrations::stripe::Subscription;
use flowsense_storage::{BillingRecord, StorageError};
use flowsense_webhooks::stripe::{StripeEvent as Event, parse_stripe_event};

/// The header carrying Stripe's signature.
pub const STRIPE_SIGNATURE_HEADER: &str = "stripe-signature";

/// The largest body read (events carry whole objects).
const MAX_STRIPE_BODY: usize = 256 * 1024;

/// What a delivery came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StripeReceived {
    /// A new event, acted on (`changed`: an organisation's billing was rewritten).
    Processed { changed: bool },
    /// An event already acted on (Stripe's retry or duplicate): nothing done.
    Duplicate,
}

/// Why a delivery was refused.
#[derive(Debug, thiserror::Error)]
pub enum StripeWebhookError {
    /// Billing is off, or no endpoint secret is configured.
    #[error("Stripe webhooks are not configured")]
    NotConfigured,
    #[error("the Stripe signature is not valid: {0}")]
    BadSignature(#[from] SignatureError),
    /// This exact signed delivery was received before.
    #[error("this delivery was already received")]
    Replayed,
    #[error("the webhook body is not a Stripe event")]
    Malformed,
    #[error("the webhook body is too large")]
    TooLarge,
    #[error(transparent)]
    RateLimited(#[from] RateLimited),
    /// The event could not be acted on (Stripe or the database failed); Stripe will retry.
    #[error("the event could not be processed")]
    Failed(#[source] BillingError),
}

impl From<StorageError> for StripeWebhookError {
    fn from(e: StorageError) -> Self {
        StripeWebhookError::Failed(BillingError::Storage(e))
    }
}

/// The billing record `sub` makes of `existing`: its plan (by price while it lives, else the
/// free plan), status, next invoice, and when payment started failing (kept from the first
/// failure while it goes on).
fn record_of(ctx: &Context, sub: &Subscription, existing: Option<&BillingRecord>) -> BillingRecord {
    let plans = &ctx.providers.billing.plans;
    let now = ctx.now();
    let live = matches!(
        sub.status.as_str(),
        "active" | "trialing" | "past_due" | "unpaid"
    );
    let plan = sub
        .price_id()
        .and_then(|p| plans.by_price(p))
        .filter(|_| live)
        .unwrap_or(&plans.free)
        .key
        .clone();
    let failing = match sub.status.as_str() {
        "past_due" | "unpaid" => existing
            .filter(|r| r.stripe_subscription_id.as_deref() == Some(sub.id.as_str()))
            .and_then(|r| r.payment_failing_since)
            .or(Some(now)),
        _ => None,
    };
    BillingRecord {
        stripe_customer_id: Some(sub.customer.clone()),
        stripe_subscription_id: Some(sub.id.clone()),
        plan,
        status: sub.status.clone(),
        price_id: sub.price_id().map(str::to_owned),
        current_period_end: sub
            .current_period_end()
            .and_then(|t| chrono::DateTime::from_timestamp(t, 0)),
        cancel_at_period_end: sub.cancel_at_period_end,
        payment_failing_since: failing,
        updated_at: now,
    }
}

fn ended(status: &str) -> bool {
    matches!(status, "canceled" | "incomplete_expired")
}

/// Fetches `subscription` and records it for the organisation of `customer`. An ended
/// subscription does not overwrite another live one the organisation has since taken. A change
/// of plan or status goes into the organisation's audit log, named after the event.
async fn sync_subscription(
    ctx: &Context,
    org: OrgId,
    subscription: &str,
    event: &Event,
    client_ip: &str,
) -> Result<bool, BillingError> {
    let stripe = ctx
        .providers
        .billing
        .stripe
        .clone()
        .ok_or(BillingError::NotEnabled)?;
    let sub = stripe
        .subscription(subscription)
        .await
        .map_err(BillingError::Stripe)?;
    let existing = ctx.store.billing_of(org).await?;
    if let Some(r) = &existing
        && r.stripe_customer_id.as_deref() != Some(sub.customer.as_str())
    {
        tracing::warn!(org = %org, "a Stripe subscription of another customer; ignored");
        return Ok(false);
    }
    if let Some(r) = &existing
        && r.stripe_subscription_id
            .as_deref()
            .is_some_and(|s| s != sub.id)
        && !ended(&r.status)
        && ended(&sub.status)
    {
        return Ok(false);
    }
    let record = record_of(ctx, &sub, existing.as_ref());
    ctx.store.save_billing(org, &record).await?;
    let before = existing
        .as_ref()
        .map(|r| (r.plan.as_str(), r.status.as_str()));
    if before != Some((record.plan.as_str(), record.status.as_str())) {
        crate::audit::in_org(
            ctx,
            org,
            None,
            &audit_action(&event.kind),
            format!("subscription:{}", sub.id),
            client_ip,
            serde_json::json!({
                "event": event.kind,
                "event_id": event.id,
                "plan_before": before.map(|b| b.0),
                "plan": record.plan,
                "status_before": before.map(|b| b.1),
                "status": record.status,
            }),
        )
        .await?;
    }
    Ok(true)
}

/// The audit action of a plan change, by the Stripe event that brought it:
/// `billing.checkout_session_completed`, `billing.subscription_updated`,
/// `billing.subscription_deleted`, `billing.invoice_payment_failed`, ….
fn audit_action(event_type: &str) -> String {
    let name = event_type
        .strip_prefix("customer.")
        .unwrap_or(event_type)
        .replace('.', "_");
    format!("billing.{name}")
}

async fn act_on(ctx: &Context, event: &Event, client_ip: &str) -> Result<bool, BillingError> {
    let Some((subscription, customer)) = event.subject() else {
        return Ok(false);
    };
    let Some(org) = ctx
        .store
        .org_of_stripe_customer_across_orgs(&customer)
        .await?
    else {
        tracing::info!(event_type = %event.kind, "a Stripe event of a customer no organisation has; ignored");
        return Ok(false);
    };
    sync_subscription(ctx, org, &subscription, event, client_ip).await
}

/// A Stripe delivery: verified against every `STRIPE_WEBHOOK_SECRET`, refused when it is a
/// replay of a delivery already received, acted on once per event id.
///
/// # Errors
/// [`StripeWebhookError`]: not configured, a bad or stale signature, a replay, a body that is
/// not an event (all changing nothing), rate limited, or a failure to act (forgotten again, so
/// Stripe's retry is acted on).
pub async fn receive_stripe(
    ctx: &Context,
    client_ip: &str,
    signature: Option<&str>,
    body: &[u8],
) -> Result<StripeReceived, StripeWebhookError> {
    ctx.take_limit(Bucket::WebhookIp, client_ip).await?;
    let billing = &ctx.providers.billing;
    if !billing.enabled() || billing.webhook_secrets.is_empty() {
        return Err(StripeWebhookError::NotConfigured);
    }
    if body.len() > MAX_STRIPE_BODY {
        return Err(StripeWebhookError::TooLarge);
    }
    let now = ctx.now();
    verify_stripe_signature(
        &billing.webhook_secrets,
        signature,
        body,
        now,
        SIGNATURE_TOLERANCE_SECS,
    )?;
    let event = parse_stripe_event(body).ok_or(StripeWebhookError::Malformed)?;
    // The exact signed delivery (header and body) once: a captured one sent again is refused.
    let delivery = hex::encode(sha256(
        &[signature.unwrap_or_default().as_bytes(), b"\n", body].concat(),
    ));
    if !ctx
        .store
        .record_webhook_delivery("stripe-delivery", &delivery, now)
        .await?
    {
        return Err(StripeWebhookError::Replayed);
    }
    if !ctx
        .store
        .record_webhook_delivery("stripe", &event.id, now)
        .await?
    {
        tracing::info!(event_type = %event.kind, "a Stripe event already acted on");
        return Ok(StripeReceived::Duplicate);
    }
    match act_on(ctx, &event, client_ip).await {
        Ok(changed) => {
            tracing::info!(event_type = %event.kind, changed, "Stripe event");
            Ok(StripeReceived::Processed { changed })
        }
        Err(e) => {
            ctx.store
                .forget_webhook_delivery("stripe", &event.id)
                .await?;
            ctx.store
                .forget_webhook_delivery("stripe-delivery", &delivery)
                .await?;
            Err(StripeWebhookError::Failed(e))
        }
    }
}

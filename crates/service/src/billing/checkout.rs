//! Upgrading through a Stripe Checkout Session and managing through a Billing Portal session,
//! for admins. The organisation pays as one Stripe customer, made on its first checkout and
//! recorded before the browser leaves, so every later event finds the organisation by it.

use super::{BillingError, require_admin};
use crate::Context;
use crate::audit;
use crate::identity::Client;
use crate::orgs::OrgAccess;
use flowsense_integrations::stripe::{CheckoutRequest, Stripe};
use flowsense_storage::BillingRecord;
use serde_json::json;
use std::sync::Arc;
use uuid::Uuid;

fn stripe(ctx: &Context) -> Result<Arc<Stripe>, BillingError> {
    ctx.providers
        .billing
        .stripe
        .clone()
        .ok_or(BillingError::NotEnabled)
}

fn billing_page(ctx: &Context, who: &OrgAccess) -> String {
    format!("{}/app/{}/billing", ctx.public_url, who.org)
}

/// Starts an upgrade of `who`'s organisation to the paid plan `plan_key`: the organisation's
/// Stripe customer (made and recorded the first time), then a Checkout Session in subscription
/// mode; returns the URL to send the browser to. Each POST carries its own idempotency key, so
/// the client's retries never make a second customer or session.
///
/// # Errors
/// [`BillingError::NotEnabled`], [`BillingError::RoleTooLow`], [`BillingError::UnknownPlan`],
/// [`BillingError::Stripe`], a database failure.
#[tracing::instrument(skip_all, fields(org = %who.org, user = %who.user))]
pub async fn start_checkout(
    ctx: &Context,
    who: &OrgAccess,
    plan_key: &str,
    client: &Client,
) -> Result<String, BillingError> {
    require_admin(ctx, who)?;
    let stripe = stripe(ctx)?;
    let plan = ctx
        .providers
        .billing
        .plans
        .paid
        .iter()
        .find(|p| p.key == plan_key)
        .cloned()
        .ok_or(BillingError::UnknownPlan)?;
    let price = plan.stripe_price.clone().ok_or(BillingError::UnknownPlan)?;
    let org_id = who.org.to_string();
    let record = ctx.store.billing_of(who.org).await?;
    let customer = match record.as_ref().and_then(|r| r.stripe_customer_id.clone()) {
        Some(c) => c,
        None => {
            let name = ctx.store.org(who.org).await?.name;
            let customer = stripe
                .create_customer(&org_id, &name, &format!("flowsense-customer-{org_id}"))
                .await
                .map_err(BillingError::Stripe)?;
            let free = &ctx.providers.billing.plans.free;
            let mut r = record.unwrap_or_else(|| BillingRecord {
                stripe_customer_id: None,
                stripe_subscription_id: None,
                plan: free.key.clone(),
                status: "none".into(),
                price_id: None,
                current_period_end: None,
                cancel_at_period_end: false,
                payment_failing_since: None,
                updated_at: ctx.now(),
            });
            r.stripe_customer_id = Some(customer.id.clone());
            r.updated_at = ctx.now();
            ctx.store.save_billing(who.org, &r).await?;
            customer.id
        }
    };
    let page = billing_page(ctx, who);
    let success = format!("{page}?checkout=done&session_id={{CHECKOUT_SESSION_ID}}");
    let cancel = format!("{page}?checkout=cancelled");
    let key = format!("flowsense-checkout-{}", Uuid::new_v4());
    let session = stripe
        .create_checkout_session(&CheckoutRequest {
            customer: &customer,
            price: &price,
            org_id: &org_id,
            success_url: &success,
            cancel_url: &cancel,
            idempotency_key: &key,
        })
        .await
        .map_err(BillingError::Stripe)?;
    audit::in_org(
        ctx,
        who.org,
        Some(who.user),
        "billing.checkout_started",
        format!("plan:{}", plan.key),
        &client.ip,
        json!({"plan": plan.key}),
    )
    .await?;
    session.url.ok_or_else(|| {
        BillingError::Stripe(flowsense_integrations::stripe::StripeError::Decode(
            "a checkout session without a url".into(),
        ))
    })
}

/// A Billing Portal session for `who`'s organisation's customer; returns the URL to send the
/// browser to.
///
/// # Errors
/// [`BillingError::NotEnabled`], [`BillingError::RoleTooLow`], [`BillingError::NoCustomer`],
/// [`BillingError::Stripe`], a database failure.
#[tracing::instrument(skip_all, fields(org = %who.org, user = %who.user))]
pub async fn open_portal(ctx: &Context, who: &OrgAccess) -> Result<String, BillingError> {
    require_admin(ctx, who)?;
    let stripe = stripe(ctx)?;
    let customer = ctx
        .store
        .billing_of(who.org)
        .await?
        .and_then(|r| r.stripe_customer_id)
        .ok_or(BillingError::NoCustomer)?;
    let page = billing_page(ctx, who);
    let session = stripe
        .create_portal_session(
            &customer,
            &page,
            &format!("flowsense-portal-{}", Uuid::new_v4()),
        )
        .await
        .map_err(BillingError::Stripe)?;
    Ok(session.url)
}

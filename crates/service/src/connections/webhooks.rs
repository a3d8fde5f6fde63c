//! The providers' signed webhooks. A delivery is acted on only with a valid HMAC signature
//! over the exact body bytes (constant-time compare), once per event id (or per body when
//! events carry none); each named company gets a sync of each of its active connections. A
//! company no organisation connected is accepted and ignored.
//!
//! - QuickBooks (APIS.md §1.9): `intuit-signature` = base64(HMAC-SHA256(verifier token, body)).
//!   Bodies are the CloudEvents array (`intuitaccountid` is the realm) or the legacy
//!   `{"eventNotifications":[{"realmId",…}]}`.
//! - Xero (§2.5): `x-xero-signature` = base64(HMAC-SHA256(webhook key, body)); a valid
//!   delivery with no events is the intent-to-receive check, answered 200 with nothing done.
//!
//! Logs name providers and counts, never a signature, key or body.

use super::Provider;
use crate::Context;
use crate::sync::sync_job;
use flowsense_storage::StorageError;
use flowsense_webhooks::intuit_xero::{VerifyError, WebhookEvent, verify_quickbooks, verify_xero};
use secrecy::SecretString;
use std::collections::BTreeSet;

/// The largest webhook body read (both providers send ids only).
pub const MAX_WEBHOOK_BODY: usize = 256 * 1024;

/// The header carrying QuickBooks' signature.
pub const QUICKBOOKS_SIGNATURE_HEADER: &str = "intuit-signature";
/// The header carrying Xero's signature.
pub const XERO_SIGNATURE_HEADER: &str = "x-xero-signature";

/// The signing secrets the operator configured (`QUICKBOOKS_WEBHOOK_VERIFIER`,
/// `XERO_WEBHOOK_KEY`). `Debug` shows only which are set.
#[derive(Clone, Default)]
pub struct WebhookSecrets {
    pub quickbooks_verifier: Option<SecretString>,
    pub xero_key: Option<SecretString>,
}

impl std::fmt::Debug for WebhookSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSecrets")
            .field("quickbooks_verifier", &self.quickbooks_verifier.is_some())
            .field("xero_key", &self.xero_key.is_some())
            .finish()
    }
}

/// Why a delivery was not acted on.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// No signing secret for this provider on this instance.
    #[error("webhooks of this provider are not configured")]
    NotConfigured,
    /// Missing, malformed or wrong signature: nothing was done.
    #[error("the signature is not valid")]
    BadSignature,
    /// Correctly signed but not a body we understand.
    #[error("the webhook body is not understood")]
    Malformed,
    #[error("the webhook body is too large")]
    TooLarge,
    /// Too many deliveries from this address.
    #[error(transparent)]
    RateLimited(#[from] crate::identity::limits::RateLimited),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// What a delivery did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Received {
    /// Events not seen before.
    pub new_events: usize,
    /// Sync jobs newly queued.
    pub syncs_queued: usize,
}

fn refused(e: VerifyError) -> WebhookError {
    match e {
        VerifyError::BadSignature => WebhookError::BadSignature,
        VerifyError::Malformed => WebhookError::Malformed,
    }
}

/// Records each event once and queues a sync of each active connection of each company named
/// by a new event.
async fn act_on(
    ctx: &Context,
    provider: Provider,
    events: Vec<WebhookEvent>,
) -> Result<Received, WebhookError> {
    let now = ctx.now();
    let mut received = Received::default();
    let mut tenants = BTreeSet::new();
    for e in events {
        if ctx
            .store
            .record_webhook_delivery(provider.as_str(), &e.delivery_id, now)
            .await?
        {
            received.new_events += 1;
            tenants.insert(e.tenant);
        }
    }
    for tenant in tenants {
        let connections = ctx
            .store
            .active_connections_of_tenant_across_orgs(provider.as_str(), &tenant)
            .await?;
        for c in connections {
            let job = sync_job(c.org_id, c.id, now);
            if ctx.store.enqueue_job(&job, now).await?.newly_created {
                received.syncs_queued += 1;
            }
        }
    }
    tracing::info!(
        provider = %provider,
        new_events = received.new_events,
        syncs_queued = received.syncs_queued,
        "webhook delivery"
    );
    Ok(received)
}

fn bounded(body: &[u8]) -> Result<(), WebhookError> {
    if body.len() > MAX_WEBHOOK_BODY {
        return Err(WebhookError::TooLarge);
    }
    Ok(())
}

/// A QuickBooks delivery: verified against `QUICKBOOKS_WEBHOOK_VERIFIER`, then acted on once.
///
/// # Errors
/// [`WebhookError::NotConfigured`], [`WebhookError::BadSignature`] (nothing changed),
/// [`WebhookError::Malformed`], [`WebhookError::TooLarge`], [`WebhookError::RateLimited`], a
/// database failure.
pub async fn receive_quickbooks(
    ctx: &Context,
    client_ip: &str,
    signature: Option<&str>,
    body: &[u8],
) -> Result<Received, WebhookError> {
    ctx.limiters
        .take(crate::identity::limits::Bucket::WebhookIp, client_ip)
        .await?;
    let verifier = ctx
        .providers
        .webhooks
        .quickbooks_verifier
        .as_ref()
        .ok_or(WebhookError::NotConfigured)?;
    bounded(body)?;
    let events = verify_quickbooks(verifier, signature, body).map_err(refused)?;
    act_on(ctx, Provider::QuickBooks, events).await
}

/// A Xero delivery: verified against `XERO_WEBHOOK_KEY`, then acted on once (an empty event
/// list, the intent-to-receive check, does nothing).
///
/// # Errors
/// As [`receive_quickbooks`].
pub async fn receive_xero(
    ctx: &Context,
    client_ip: &str,
    signature: Option<&str>,
    body: &[u8],
) -> Result<Received, WebhookError> {
    ctx.limiters
        .take(crate::identity::limits::Bucket::WebhookIp, client_ip)
        .await?;
    let key = ctx
        .providers
        .webhooks
        .xero_key
        .as_ref()
        .ok_or(WebhookError::NotConfigured)?;
    bounded(body)?;
    let events = verify_xero(key, signature, body).map_err(refused)?;
    act_on(ctx, Provider::Xero, events).await
}

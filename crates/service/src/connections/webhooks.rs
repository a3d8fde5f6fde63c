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
use crate::identity::crypto::{ct_eq, hmac_sha256, sha256};
use crate::sync::sync_job;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use flowsense_storage::StorageError;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
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

/// Checks `signature` (the header's base64 text) against HMAC-SHA256(`key`, `body`).
fn signature_matches(key: &SecretString, signature: Option<&str>, body: &[u8]) -> bool {
    let Some(sent) = signature.and_then(|s| STANDARD.decode(s.trim()).ok()) else {
        return false;
    };
    let expected = hmac_sha256(key.expose_secret().as_bytes(), &[body]);
    ct_eq(&sent, &expected)
}

/// One company's change, with the id that makes it once-only.
struct Event {
    delivery_id: String,
    tenant: String,
}

#[derive(Deserialize)]
struct CloudEvent {
    id: String,
    intuitaccountid: String,
}

#[derive(Deserialize)]
struct LegacyBody {
    #[serde(rename = "eventNotifications")]
    event_notifications: Vec<LegacyNotification>,
}

#[derive(Deserialize)]
struct LegacyNotification {
    #[serde(rename = "realmId")]
    realm_id: String,
}

/// Verifies and reads a QuickBooks delivery: its events, each with its realm.
///
/// # Errors
/// [`WebhookError::BadSignature`] for a missing or wrong signature (checked before the body is
/// read), [`WebhookError::Malformed`] for a signed body of neither shape.
fn verify_quickbooks(
    verifier: &SecretString,
    signature: Option<&str>,
    body: &[u8],
) -> Result<Vec<Event>, WebhookError> {
    if !signature_matches(verifier, signature, body) {
        return Err(WebhookError::BadSignature);
    }
    if let Ok(events) = serde_json::from_slice::<Vec<CloudEvent>>(body) {
        return Ok(events
            .into_iter()
            .map(|e| Event {
                delivery_id: e.id,
                tenant: e.intuitaccountid,
            })
            .collect());
    }
    let legacy: LegacyBody = serde_json::from_slice(body).map_err(|_| WebhookError::Malformed)?;
    let body_id = hex::encode(sha256(body));
    Ok(legacy
        .event_notifications
        .into_iter()
        .enumerate()
        .map(|(i, n)| Event {
            delivery_id: format!("{body_id}:{i}"),
            tenant: n.realm_id,
        })
        .collect())
}

#[derive(Deserialize)]
struct XeroBody {
    events: Vec<XeroEvent>,
}

#[derive(Deserialize)]
struct XeroEvent {
    #[serde(rename = "tenantId")]
    tenant_id: String,
}

/// Verifies and reads a Xero delivery. An empty list is the intent-to-receive check.
///
/// # Errors
/// As [`verify_quickbooks`].
fn verify_xero(
    key: &SecretString,
    signature: Option<&str>,
    body: &[u8],
) -> Result<Vec<Event>, WebhookError> {
    if !signature_matches(key, signature, body) {
        return Err(WebhookError::BadSignature);
    }
    let parsed: XeroBody = serde_json::from_slice(body).map_err(|_| WebhookError::Malformed)?;
    // Xero's events carry no id of their own; a delivery is told apart by its whole body
    // (sequence numbers and entropy included).
    let body_id = hex::encode(sha256(body));
    Ok(parsed
        .events
        .into_iter()
        .enumerate()
        .map(|(i, e)| Event {
            delivery_id: format!("{body_id}:{i}"),
            tenant: e.tenant_id,
        })
        .collect())
}

/// Records each event once and queues a sync of each active connection of each company named
/// by a new event.
async fn act_on(
    ctx: &Context,
    provider: Provider,
    events: Vec<Event>,
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
    let events = verify_quickbooks(verifier, signature, body)?;
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
    let events = verify_xero(key, signature, body)?;
    act_on(ctx, Provider::Xero, events).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(key: &str, body: &[u8]) -> String {
        STANDARD.encode(hmac_sha256(key.as_bytes(), &[body]))
    }

    #[test]
    fn both_quickbooks_shapes_are_read_and_a_bad_signature_is_refused() {
        let key = SecretString::from("verifier".to_owned());
        let cloud = br#"[{"specversion":"1.0","id":"e1","source":"s","type":"qbo.account.created.v1","time":"2025-09-10T21:31:25Z","intuitentityid":"1","intuitaccountid":"310687","data":{}}]"#;
        let events = verify_quickbooks(&key, Some(&sign("verifier", cloud)), cloud).unwrap();
        assert_eq!(
            (events[0].delivery_id.as_str(), events[0].tenant.as_str()),
            ("e1", "310687")
        );
        let legacy = br#"{"eventNotifications":[{"realmId":"1185883450","dataChangeEvent":{"entities":[]}}]}"#;
        let events = verify_quickbooks(&key, Some(&sign("verifier", legacy)), legacy).unwrap();
        assert_eq!(events[0].tenant, "1185883450");
        assert!(matches!(
            verify_quickbooks(&key, Some(&sign("other", cloud)), cloud),
            Err(WebhookError::BadSignature)
        ));
        assert!(matches!(
            verify_quickbooks(&key, None, cloud),
            Err(WebhookError::BadSignature)
        ));
        let mut tampered = cloud.to_vec();
        tampered[10] ^= 1;
        assert!(matches!(
            verify_quickbooks(&key, Some(&sign("verifier", cloud)), &tampered),
            Err(WebhookError::BadSignature)
        ));
    }

    #[test]
    fn a_signed_empty_xero_delivery_is_the_intent_to_receive_check() {
        let key = SecretString::from("xero-key".to_owned());
        let body = br#"{"events":[],"lastEventSequence":0,"firstEventSequence":0,"entropy":"S0m3r4Nd0mt3xt"}"#;
        assert!(
            verify_xero(&key, Some(&sign("xero-key", body)), body)
                .unwrap()
                .is_empty()
        );
        assert!(matches!(
            verify_xero(&key, Some(&sign("wrong", body)), body),
            Err(WebhookError::BadSignature)
        ));
    }
}

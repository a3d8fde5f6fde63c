//! QuickBooks' and Xero's webhooks: one scheme, base64(HMAC-SHA256(secret, exact body)) in a
//! header, compared in constant time before the body is read.
//!
//! - QuickBooks (APIS.md §1.9): `intuit-signature` under the verifier token. Bodies are the
//!   CloudEvents array (`intuitaccountid` is the realm) or the legacy
//!   `{"eventNotifications":[{"realmId",…}]}`.
//! - Xero (§2.5): `x-xero-signature` under the webhook key; a delivery with no events is the
//!   intent-to-receive check.

use crate::crypto::{ct_eq, hmac_sha256, sha256_hex};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// Why a delivery is not acted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// Missing, malformed or wrong signature.
    #[error("the signature is not valid")]
    BadSignature,
    /// Correctly signed but not a body we understand.
    #[error("the webhook body is not understood")]
    Malformed,
}

/// One company's change, with the id that makes it once-only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEvent {
    /// The event's own id, or (for bodies whose events carry none) the body's SHA-256 and the
    /// event's index in it.
    pub delivery_id: String,
    /// The company: QuickBooks' realm id, Xero's tenant id.
    pub tenant: String,
}

/// Checks `signature` (the header's base64 text) against HMAC-SHA256(`key`, `body`).
#[must_use]
pub fn signature_matches(key: &SecretString, signature: Option<&str>, body: &[u8]) -> bool {
    let Some(sent) = signature.and_then(|s| STANDARD.decode(s.trim()).ok()) else {
        return false;
    };
    let expected = hmac_sha256(key.expose_secret().as_bytes(), &[body]);
    ct_eq(&sent, &expected)
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
/// [`VerifyError::BadSignature`] for a missing or wrong signature (checked before the body is
/// read), [`VerifyError::Malformed`] for a signed body of neither shape.
pub fn verify_quickbooks(
    verifier: &SecretString,
    signature: Option<&str>,
    body: &[u8],
) -> Result<Vec<WebhookEvent>, VerifyError> {
    if !signature_matches(verifier, signature, body) {
        return Err(VerifyError::BadSignature);
    }
    if let Ok(events) = serde_json::from_slice::<Vec<CloudEvent>>(body) {
        return Ok(events
            .into_iter()
            .map(|e| WebhookEvent {
                delivery_id: e.id,
                tenant: e.intuitaccountid,
            })
            .collect());
    }
    let legacy: LegacyBody = serde_json::from_slice(body).map_err(|_| VerifyError::Malformed)?;
    let body_id = sha256_hex(body);
    Ok(legacy
        .event_notifications
        .into_iter()
        .enumerate()
        .map(|(i, n)| WebhookEvent {
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
pub fn verify_xero(
    key: &SecretString,
    signature: Option<&str>,
    body: &[u8],
) -> Result<Vec<WebhookEvent>, VerifyError> {
    if !signature_matches(key, signature, body) {
        return Err(VerifyError::BadSignature);
    }
    let parsed: XeroBody = serde_json::from_slice(body).map_err(|_| VerifyError::Malformed)?;
    // Xero's events carry no id of their own; a delivery is told apart by its whole body
    // (sequence numbers and entropy included).
    let body_id = sha256_hex(body);
    Ok(parsed
        .events
        .into_iter()
        .enumerate()
        .map(|(i, e)| WebhookEvent {
            delivery_id: format!("{body_id}:{i}"),
            tenant: e.tenant_id,
        })
        .collect())
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
        assert_eq!(
            verify_quickbooks(&key, Some(&sign("other", cloud)), cloud),
            Err(VerifyError::BadSignature)
        );
        assert_eq!(
            verify_quickbooks(&key, None, cloud),
            Err(VerifyError::BadSignature)
        );
        let mut tampered = cloud.to_vec();
        tampered[10] ^= 1;
        assert_eq!(
            verify_quickbooks(&key, Some(&sign("verifier", cloud)), &tampered),
            Err(VerifyError::BadSignature)
        );
        let signed_nonsense = b"{\"eventNotifications\":7}";
        assert_eq!(
            verify_quickbooks(
                &key,
                Some(&sign("verifier", signed_nonsense)),
                signed_nonsense
            ),
            Err(VerifyError::Malformed)
        );
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
        assert_eq!(
            verify_xero(&key, Some(&sign("wrong", body)), body),
            Err(VerifyError::BadSignature)
        );
    }
}

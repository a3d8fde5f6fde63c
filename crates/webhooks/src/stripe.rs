//! `Stripe-Signature` as Stripe's libraries check it (stripe-node `Webhooks.ts`; APIS.md §3.4):
//! the header `t=<unix>,v1=<hex>[,v1=<hex>…]` (other schemes such as `v0` ignored); the signed
//! payload is the timestamp, a dot and the exact raw body bytes; each `v1` is compared in
//! constant time with the lower-case hex HMAC-SHA256 under each endpoint secret (used as is, not
//! decoded); any match will do (secret rotation sends several). Then the timestamp must be
//! within [`SIGNATURE_TOLERANCE_SECS`] of now, both ways (Stripe's libraries refuse only old
//! ones; a timestamp from the future is refused here too, so a signature cannot be made to
//! last longer than the window).
//!
//! A delivery's body is then read as an event ([`parse_stripe_event`]): its id, its type and the
//! object it carries, of which only the subscription and customer it names are used
//! ([`StripeEvent::subject`]); the subscription itself is fetched from Stripe, never trusted
//! from the event.

use crate::crypto::{ct_eq, hmac_sha256};
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::Value;

/// How old a signature may be (Stripe's default tolerance).
pub const SIGNATURE_TOLERANCE_SECS: i64 = 300;

/// Why a delivery's signature was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no Stripe-Signature header, or one without a timestamp and a v1 signature")]
    Malformed,
    #[error("no v1 signature matches the payload")]
    NoMatch,
    #[error("the signature's timestamp is outside the tolerance")]
    Stale,
}

/// Checks `header` over `body` against every secret in `secrets`; returns the signed timestamp.
///
/// # Errors
/// [`SignatureError`]: malformed, no match, or more than `tolerance_secs` from `now`.
pub fn verify_stripe_signature(
    secrets: &[SecretString],
    header: Option<&str>,
    body: &[u8],
    now: DateTime<Utc>,
    tolerance_secs: i64,
) -> Result<i64, SignatureError> {
    let header = header.ok_or(SignatureError::Malformed)?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        let Some((key, value)) = part.trim().split_once('=') else {
            continue;
        };
        match key {
            // The signed payload holds the timestamp as the header spells it.
            "t" => timestamp = value.parse::<i64>().ok().map(|t| (t, value)),
            "v1" => signatures.push(value.as_bytes()),
            _ => {}
        }
    }
    let (timestamp, t) = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    let matched = secrets.iter().any(|secret| {
        let expected = ExpectedSignature::of(secret, t, body);
        signatures
            .iter()
            .fold(false, |any, sent| expected.matches(sent) | any)
    });
    if !matched {
        return Err(SignatureError::NoMatch);
    }
    // `abs_diff`: a signed timestamp far from now (say `i64::MIN`) must read as stale, not
    // overflow into a small difference.
    if now.timestamp().abs_diff(timestamp) > tolerance_secs.unsigned_abs() {
        return Err(SignatureError::Stale);
    }
    Ok(timestamp)
}

/// A Stripe event as FlowSense reads it: the rest of the body is ignored.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct StripeEvent {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub data: StripeEventData,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct StripeEventData {
    pub object: Value,
}

/// The body of a delivery as an event; `None` when it is not one.
#[must_use]
pub fn parse_stripe_event(body: &[u8]) -> Option<StripeEvent> {
    serde_json::from_slice(body).ok()
}

impl StripeEvent {
    /// The subscription the event is about and the customer it belongs to, by event type;
    /// `None` for the types FlowSense does not act on.
    #[must_use]
    pub fn subject(&self) -> Option<(String, String)> {
        let o = &self.data.object;
        let text = |v: &Value| v.as_str().map(str::to_owned);
        let subscription = match self.kind.as_str() {
            "checkout.session.completed" => text(&o["subscription"]),
            "customer.subscription.created"
            | "customer.subscription.updated"
            | "customer.subscription.deleted" => text(&o["id"]),
            "invoice.paid" | "invoice.payment_failed" => {
                text(&o["parent"]["subscription_details"]["subscription"])
            }
            _ => None,
        }?;
        Some((subscription, text(&o["customer"])?))
    }
}

/// The `v1` a delivery must carry under one secret. It has no `==`: the only comparison is
/// [`matches`](Self::matches), in constant time.
struct ExpectedSignature(String);

impl ExpectedSignature {
    fn of(secret: &SecretString, timestamp: &str, body: &[u8]) -> Self {
        Self(hex::encode(hmac_sha256(
            secret.expose_secret().as_bytes(),
            &[timestamp.as_bytes(), b".", body],
        )))
    }

    fn matches(&self, sent: &[u8]) -> bool {
        ct_eq(sent, self.0.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Signatures are compared in constant time only (checklist G2): the expected signature
    /// has no `==` to reach for, and the comparison it offers is right on equal, almost equal
    /// and differently sized input.
    #[test]
    fn the_expected_signature_can_only_be_compared_in_constant_time() {
        struct Probe<T>(std::marker::PhantomData<T>);
        trait Fallback {
            fn comparable(&self) -> bool {
                false
            }
        }
        impl<T> Fallback for Probe<T> {}
        #[allow(dead_code)]
        impl<T: PartialEq> Probe<T> {
            fn comparable(&self) -> bool {
                true
            }
        }
        assert!(Probe::<String>(std::marker::PhantomData).comparable());
        assert!(!Probe::<ExpectedSignature>(std::marker::PhantomData).comparable());

        let expected = ExpectedSignature::of(&secret("whsec_a"), "1700000000", b"{}");
        let right = sign("whsec_a", 1_700_000_000, b"{}");
        assert!(expected.matches(right.as_bytes()));
        let mut last_differs = right.clone().into_bytes();
        let end = last_differs.len() - 1;
        last_differs[end] = if last_differs[end] == b'0' {
            b'1'
        } else {
            b'0'
        };
        assert!(!expected.matches(&last_differs));
        assert!(!expected.matches(&right.as_bytes()[..63]));
        assert!(!expected.matches(format!("{right}0").as_bytes()));
        assert!(!expected.matches(b""));
        assert!(ct_eq(b"", b"") && !ct_eq(b"a", b"b") && !ct_eq(b"a", b"ab"));
    }
    use chrono::TimeZone;

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    fn sign(secret: &str, t: i64, body: &[u8]) -> String {
        hex::encode(hmac_sha256(
            secret.as_bytes(),
            &[t.to_string().as_bytes(), b".", body],
        ))
    }

    #[test]
    fn any_v1_under_any_secret_inside_the_tolerance_is_accepted() {
        let body = br#"{"id":"evt_1","object":"event"}"#;
        let t = 1_717_000_000;
        let now = Utc.timestamp_opt(t + 299, 0).unwrap();
        let old = sign("whsec_old", t, body);
        let new = sign("whsec_new", t, body);
        let header = format!("t={t},v0=deadbeef,v1={old},v1={new}");
        for secrets in [
            vec![secret("whsec_new")],
            vec![secret("whsec_x"), secret("whsec_old")],
        ] {
            assert_eq!(
                verify_stripe_signature(&secrets, Some(&header), body, now, 300),
                Ok(t)
            );
        }
        let secrets = [secret("whsec_new")];
        assert_eq!(
            verify_stripe_signature(
                &secrets,
                Some(&header),
                body,
                now + chrono::TimeDelta::seconds(2),
                300
            ),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify_stripe_signature(
                &secrets,
                Some(&header),
                body,
                now - chrono::TimeDelta::seconds(600),
                300
            ),
            Err(SignatureError::Stale),
            "from the future"
        );
        assert_eq!(
            verify_stripe_signature(&[secret("whsec_other")], Some(&header), body, now, 300),
            Err(SignatureError::NoMatch)
        );
        assert_eq!(
            verify_stripe_signature(&secrets, Some(&format!("t={t}")), body, now, 300),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify_stripe_signature(&secrets, Some(&format!("v1={new}")), body, now, 300),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify_stripe_signature(&secrets, None, body, now, 300),
            Err(SignatureError::Malformed)
        );
        for far in [i64::MIN, i64::MIN + 1, i64::MAX] {
            let header = format!("t={far},v1={}", sign("whsec_new", far, body));
            assert_eq!(
                verify_stripe_signature(&secrets, Some(&header), body, now, 300),
                Err(SignatureError::Stale),
                "t={far}"
            );
        }
        let spelled = format!("t=+{t},v1={new}");
        assert_eq!(
            verify_stripe_signature(&secrets, Some(&spelled), body, now, 300),
            Err(SignatureError::NoMatch),
            "the timestamp is signed as the header writes it"
        );
        let mut tampered = body.to_vec();
        tampered[3] ^= 1;
        assert_eq!(
            verify_stripe_signature(&secrets, Some(&header), &tampered, now, 300),
            Err(SignatureError::NoMatch)
        );
    }
}

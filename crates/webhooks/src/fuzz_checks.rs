//! What the `webhooks` fuzz target (`fuzz/fuzz_targets/webhooks.rs`) checks on every input,
//! kept here so that the inputs it found are replayed by the ordinary `cargo test` (the tests
//! below read `fuzz/regressions/webhooks/` and `fuzz/seeds/webhooks/`) without cargo-fuzz.
//!
//! An input is a provider letter (`S` Stripe, `Q` QuickBooks, `X` Xero; any other byte picks
//! one by its value), a signature header up to the first newline, and the body. Checked:
//! - a delivery accepted with the input's own header carries a signature that an independent
//!   HMAC-SHA256 over the exact body bytes (and, for Stripe, the header's timestamp as written)
//!   confirms: nothing is accepted that the secret did not sign;
//! - the same body signed here is accepted (Stripe: exactly when its timestamp is within the
//!   tolerance, else refused as stale), and refused once a byte of it is changed, one is added,
//!   or it is signed under another secret;
//! - reading a signed body never panics, and yields the same events each time.
//!
//! Compiled for tests and fuzzing builds only (`cfg(fuzzing)` is set by cargo-fuzz).

use crate::crypto::{ct_eq, hmac_sha256};
use crate::intuit_xero::{VerifyError, verify_quickbooks, verify_xero};
use crate::stripe::{SignatureError, parse_stripe_event, verify_stripe_signature};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use secrecy::SecretString;

const SECRET: &str = "whsec_fuzz_secret";
const OTHER_SECRET: &str = "whsec_another_secret";
/// "Now" for the Stripe checks, and the timestamp signed when the header gives none.
const NOW: i64 = 1_750_000_000;
const TOLERANCE: i64 = 300;

/// Checks one input.
///
/// # Panics
/// When a property above does not hold.
pub fn check_webhook(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let (header, body) = match memchr_newline(rest) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (&[][..], rest),
    };
    let header = std::str::from_utf8(header).ok();
    match pick {
        b'S' => stripe(header, body),
        b'Q' => intuit_xero(Provider::QuickBooks, header, body),
        b'X' => intuit_xero(Provider::Xero, header, body),
        other => match other % 3 {
            0 => stripe(header, body),
            1 => intuit_xero(Provider::QuickBooks, header, body),
            _ => intuit_xero(Provider::Xero, header, body),
        },
    }
}

fn memchr_newline(data: &[u8]) -> Option<usize> {
    data.iter().position(|&b| b == b'\n')
}

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(NOW, 0).expect("a valid instant")
}

fn stripe_v1(secret: &str, timestamp: &str, body: &[u8]) -> String {
    hex::encode(hmac_sha256(
        secret.as_bytes(),
        &[timestamp.as_bytes(), b".", body],
    ))
}

fn stripe(header: Option<&str>, body: &[u8]) {
    let secrets = [secret(SECRET)];
    // The input's own header.
    if let Ok(t) = verify_stripe_signature(&secrets, header, body, now(), TOLERANCE) {
        let header = header.expect("accepted without a header");
        let parts: Vec<(&str, &str)> = header
            .split(',')
            .filter_map(|p| p.trim().split_once('='))
            .collect();
        let written = parts
            .iter()
            .rev()
            .find(|(k, v)| *k == "t" && v.parse::<i64>().ok() == Some(t))
            .map(|(_, v)| *v)
            .expect("the accepted timestamp is in the header");
        let expected = stripe_v1(SECRET, written, body);
        assert!(
            parts
                .iter()
                .any(|(k, v)| *k == "v1" && ct_eq(v.as_bytes(), expected.as_bytes())),
            "accepted without a v1 signature over the exact body"
        );
        assert!(
            i128::from(NOW).abs_diff(i128::from(t)) <= TOLERANCE.unsigned_abs().into(),
            "accepted a stale timestamp"
        );
    }
    // The body signed here, at the header's timestamp when it is a number.
    let t = header
        .and_then(|h| h.trim().parse::<i64>().ok())
        .unwrap_or(NOW - 7);
    let signed = format!("t={t},v1={}", stripe_v1(SECRET, &t.to_string(), body));
    let fresh = i128::from(NOW).abs_diff(i128::from(t)) <= TOLERANCE.unsigned_abs().into();
    let verdict = verify_stripe_signature(&secrets, Some(&signed), body, now(), TOLERANCE);
    if fresh {
        assert_eq!(verdict, Ok(t), "a fresh, correctly signed delivery refused");
    } else {
        assert_eq!(
            verdict,
            Err(SignatureError::Stale),
            "a stale delivery not refused as such"
        );
    }
    for changed in changed_bodies(body) {
        assert_eq!(
            verify_stripe_signature(&secrets, Some(&signed), &changed, now(), TOLERANCE),
            Err(SignatureError::NoMatch),
            "a changed body accepted"
        );
    }
    assert_eq!(
        verify_stripe_signature(
            &[secret(OTHER_SECRET)],
            Some(&signed),
            body,
            now(),
            TOLERANCE
        ),
        Err(SignatureError::NoMatch),
        "accepted under another secret"
    );
    let event = parse_stripe_event(body);
    assert_eq!(event, parse_stripe_event(body));
    if let Some(event) = event {
        let _ = event.subject();
    }
}

#[derive(Clone, Copy)]
enum Provider {
    QuickBooks,
    Xero,
}

fn intuit_xero(provider: Provider, header: Option<&str>, body: &[u8]) {
    let verify = |key: &str, signature: Option<&str>, body: &[u8]| {
        let key = secret(key);
        match provider {
            Provider::QuickBooks => verify_quickbooks(&key, signature, body),
            Provider::Xero => verify_xero(&key, signature, body),
        }
    };
    let expected = hmac_sha256(SECRET.as_bytes(), &[body]);
    // The input's own header.
    if verify(SECRET, header, body) != Err(VerifyError::BadSignature) {
        let sent = STANDARD
            .decode(header.expect("accepted without a header").trim())
            .expect("accepted a signature that is not base64");
        assert!(
            ct_eq(&sent, &expected),
            "accepted without a signature over the exact body"
        );
    }
    // The body signed here.
    let signed = STANDARD.encode(expected);
    let verdict = verify(SECRET, Some(&signed), body);
    assert_ne!(
        verdict,
        Err(VerifyError::BadSignature),
        "a correctly signed delivery refused"
    );
    assert_eq!(
        verdict,
        verify(SECRET, Some(&signed), body),
        "not deterministic"
    );
    if let Ok(events) = &verdict {
        let mut ids: Vec<&str> = events.iter().map(|e| e.delivery_id.as_str()).collect();
        if matches!(provider, Provider::Xero) {
            ids.sort_unstable();
            ids.dedup();
            assert_eq!(
                ids.len(),
                events.len(),
                "two events of one delivery share an id"
            );
        }
    }
    for changed in changed_bodies(body) {
        assert_eq!(
            verify(SECRET, Some(&signed), &changed),
            Err(VerifyError::BadSignature),
            "a changed body accepted"
        );
    }
    assert_eq!(
        verify(OTHER_SECRET, Some(&signed), body),
        Err(VerifyError::BadSignature),
        "accepted under another secret"
    );
}

/// The body with its last byte changed, and with a byte added.
fn changed_bodies(body: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::with_capacity(2);
    if let Some((last, head)) = body.split_last() {
        let mut flipped = head.to_vec();
        flipped.push(last ^ 0x20);
        out.push(flipped);
    }
    let mut longer = body.to_vec();
    longer.push(b' ');
    out.push(longer);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// The seeds carrying a signature are signed under the fuzz secret, so fuzzing starts from
    /// deliveries that are accepted.
    #[test]
    fn signed_seeds_are_accepted() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds/webhooks");
        let mut accepted = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let data = std::fs::read(entry.unwrap().path()).unwrap();
            let (&pick, rest) = data.split_first().unwrap();
            let newline = rest.iter().position(|&b| b == b'\n').unwrap();
            let (header, body) = (
                std::str::from_utf8(&rest[..newline]).unwrap(),
                &rest[newline + 1..],
            );
            let ok = match pick {
                b'S' if header.starts_with("t=") => {
                    verify_stripe_signature(&[secret(SECRET)], Some(header), body, now(), TOLERANCE)
                        .is_ok()
                        && parse_stripe_event(body).and_then(|e| e.subject()).is_some()
                }
                b'Q' => verify_quickbooks(&secret(SECRET), Some(header), body).is_ok(),
                b'X' => verify_xero(&secret(SECRET), Some(header), body).is_ok(),
                _ => continue,
            };
            assert!(ok, "a seed of {} refused", char::from(pick));
            accepted += 1;
        }
        assert!(accepted >= 7, "{accepted} signed seeds");
    }

    #[test]
    fn fuzz_regressions_and_seeds_pass() {
        flowsense_test_support::fuzz_inputs::replay_fuzz_target("webhooks", check_webhook);
    }
}

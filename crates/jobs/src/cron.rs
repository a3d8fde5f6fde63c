//! Signed cron requests: how an outside scheduler (a systemd timer, a Kubernetes CronJob)
//! proves it may start a job through `POST /api/cron/{job}`.
//!
//! The request carries three headers: [`TIMESTAMP_HEADER`] (Unix seconds), [`NONCE_HEADER`]
//! (16–128 characters of `A-Z a-z 0-9 - _`) and [`SIGNATURE_HEADER`], the lowercase hex
//! HMAC-SHA256, keyed with `FLOWSENSE_CRON_SECRET`, of the canonical string
//!
//! ```text
//! {METHOD}\n{path}\n{timestamp}\n{nonce}
//! ```
//!
//! (method in upper case, path as sent without query, e.g. `POST\n/api/cron/cleanup.expired\n1764681600\n3f9c…`).
//! It is accepted when the signature matches one of the configured secrets (two during a
//! rotation; compared in constant time), the timestamp is within [`WINDOW_SECONDS`] of now,
//! and the nonce has not been seen: it is then recorded, so a replay is refused.

use chrono::{DateTime, Utc};
use flowsense_storage::{StorageError, Store};
use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

pub const TIMESTAMP_HEADER: &str = "x-flowsense-timestamp";
pub const NONCE_HEADER: &str = "x-flowsense-nonce";
pub const SIGNATURE_HEADER: &str = "x-flowsense-signature";

/// How far a request's timestamp may be from now, either way.
pub const WINDOW_SECONDS: i64 = 300;

/// A cron request as received: the values of its method, path and headers.
#[derive(Debug, Clone, Copy)]
pub struct CronRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub timestamp: Option<&'a str>,
    pub nonce: Option<&'a str>,
    pub signature_hex: Option<&'a str>,
}

/// Why a cron request was refused. Every variant but `Storage` is the caller's fault (401).
#[derive(Debug, thiserror::Error)]
pub enum CronRejection {
    #[error("the request is not signed")]
    Unsigned,
    #[error("the signature headers are malformed")]
    Malformed,
    #[error("the request's timestamp is outside the accepted window")]
    Stale,
    #[error("the signature does not match")]
    BadSignature,
    #[error("the request's nonce was used before")]
    Replayed,
    #[error("the nonce could not be recorded")]
    Storage(#[source] StorageError),
}

/// The canonical string a cron request's signature covers.
#[must_use]
pub fn canonical_cron_string(method: &str, path: &str, timestamp: i64, nonce: &str) -> String {
    format!(
        "{}\n{path}\n{timestamp}\n{nonce}",
        method.to_ascii_uppercase()
    )
}

/// The hex signature of a cron request with `secret`.
#[must_use]
pub fn sign_cron_request(
    secret: &SecretString,
    method: &str,
    path: &str,
    timestamp: i64,
    nonce: &str,
) -> String {
    hex::encode(
        mac(secret, method, path, timestamp, nonce)
            .finalize()
            .into_bytes(),
    )
}

/// A fresh random nonce (32 hex characters).
///
/// # Panics
/// When the operating system has no randomness to give.
#[must_use]
pub fn new_cron_nonce() -> String {
    let mut bytes = [0_u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random number generator");
    hex::encode(bytes)
}

/// Checks the signature and the time window (not the nonce; see [`verify_cron_request`]).
///
/// # Errors
/// The [`CronRejection`] that applies first: unsigned, malformed, stale, bad signature.
pub fn check_cron_signature(
    secrets: &[SecretString],
    request: &CronRequest<'_>,
    now: DateTime<Utc>,
) -> Result<(), CronRejection> {
    let (Some(timestamp), Some(nonce), Some(signature_hex)) =
        (request.timestamp, request.nonce, request.signature_hex)
    else {
        return Err(CronRejection::Unsigned);
    };
    let timestamp: i64 = timestamp.parse().map_err(|_| CronRejection::Malformed)?;
    let nonce_ok = (16..=128).contains(&nonce.len())
        && nonce
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let signature = hex::decode(signature_hex).map_err(|_| CronRejection::Malformed)?;
    if !nonce_ok || signature.len() != 32 {
        return Err(CronRejection::Malformed);
    }
    if (now.timestamp() - timestamp).abs() > WINDOW_SECONDS {
        return Err(CronRejection::Stale);
    }
    // Every secret is tried, so the time taken does not tell which one matched.
    let mut matched = false;
    for secret in secrets {
        let m = mac(secret, request.method, request.path, timestamp, nonce);
        matched |= m.verify_slice(&signature).is_ok();
    }
    if matched {
        Ok(())
    } else {
        Err(CronRejection::BadSignature)
    }
}

/// Checks a cron request completely: signature, time window, then records its nonce (a nonce
/// already seen is a replay). Nothing is recorded for a request that fails the signature.
///
/// # Errors
/// A [`CronRejection`]; `Storage` when the nonce could not be recorded.
pub async fn verify_cron_request(
    store: &Store,
    secrets: &[SecretString],
    request: &CronRequest<'_>,
    now: DateTime<Utc>,
) -> Result<(), CronRejection> {
    check_cron_signature(secrets, request, now)?;
    let nonce = request.nonce.unwrap_or_default();
    if store
        .record_cron_nonce(nonce, now)
        .await
        .map_err(CronRejection::Storage)?
    {
        Ok(())
    } else {
        Err(CronRejection::Replayed)
    }
}

fn mac(
    secret: &SecretString,
    method: &str,
    path: &str,
    timestamp: i64,
    nonce: &str,
) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(canonical_cron_string(method, path, timestamp, nonce).as_bytes());
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_canonical_string_is_four_lines() {
        assert_eq!(
            canonical_cron_string("post", "/api/cron/cleanup.expired", 1_764_681_600, "abc"),
            "POST\n/api/cron/cleanup.expired\n1764681600\nabc"
        );
    }
}

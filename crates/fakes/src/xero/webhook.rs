//! Signed webhook delivery, as Xero sends it (developer.xero.com "Configuring your server";
//! Xero-OpenAPI `xero-webhooks.yaml`; APIS.md §2.5): a JSON POST
//! `{"events":[…],"firstEventSequence","lastEventSequence","entropy"}` with
//! `x-xero-signature: base64(HMAC-SHA256(webhook key, raw body))`. The receiver must answer a
//! correctly signed delivery with 200 and an empty body, and a wrongly signed one with 401;
//! the intent-to-receive check sends both, with no events, and fails unless both answers are
//! right.

use super::{XeroFake, random_token};
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use serde_json::json;
use sha2::Sha256;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// One event of a delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookEvent {
    /// `https://api.xero.com/api.xro/2.0/Invoices/<id>`.
    pub resource_url: String,
    pub resource_id: String,
    pub tenant_id: String,
    /// `ORGANISATION`.
    pub tenant_type: String,
    /// `INVOICE`, `CONTACT` or `CREDITNOTE`.
    pub event_category: String,
    /// `CREATE` or `UPDATE`.
    pub event_type: String,
    /// `2025-12-02T00:44:09.923`.
    pub event_date_utc: String,
}

/// A delivery that could not be made (no answer, or a refused URL).
#[derive(Debug)]
pub struct DeliveryError(pub String);

impl std::fmt::Display for DeliveryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "webhook delivery failed: {}", self.0)
    }
}

impl std::error::Error for DeliveryError {}

/// `base64(HMAC-SHA256(key, body))`.
#[must_use]
pub fn sign(key: &str, body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key.as_bytes()) else {
        return String::new();
    };
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

async fn post(url: &str, body: String, signature: &str) -> Result<(u16, usize), DeliveryError> {
    let client = flowsense_outbound::client_builder(false)
        .map_err(|e| DeliveryError(e.to_string()))?
        .timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| DeliveryError(e.to_string()))?;
    let answer = client
        .post(url)
        .header("content-type", "application/json")
        .header("x-xero-signature", signature)
        .body(body)
        .send()
        .await
        .map_err(|e| DeliveryError(e.to_string()))?;
    let status = answer.status().as_u16();
    let length = answer.bytes().await.map_or(0, |b| b.len());
    Ok((status, length))
}

impl XeroFake {
    /// POSTs `events` to `url`, signed with `key`; returns the HTTP status the receiver gave.
    ///
    /// # Errors
    /// When the receiver could not be reached (Xero would retry for 24 hours).
    pub async fn deliver_webhook(
        &self,
        url: &str,
        key: &str,
        events: &[WebhookEvent],
    ) -> Result<u16, DeliveryError> {
        let count = events.len() as u64;
        let first = self
            .shared
            .event_sequence
            .fetch_add(count.max(1), Ordering::SeqCst);
        let body = json!({
            "events": events,
            "firstEventSequence": first,
            "lastEventSequence": first + count.max(1) - 1,
            "entropy": random_token()[..20].to_ascii_uppercase(),
        })
        .to_string();
        let signature = sign(key, body.as_bytes());
        post(url, body, &signature).await.map(|(status, _)| status)
    }

    /// Xero's intent-to-receive check: one correctly and one wrongly signed empty delivery.
    /// True when the first got 200 with an empty body and the second 401, as Xero requires.
    ///
    /// # Errors
    /// When the receiver could not be reached.
    pub async fn intent_to_receive(&self, url: &str, key: &str) -> Result<bool, DeliveryError> {
        let body = || {
            json!({"events": [], "lastEventSequence": 0, "firstEventSequence": 0,
                   "entropy": random_token()[..20].to_ascii_uppercase()})
            .to_string()
        };
        let good = body();
        let signature = sign(key, good.as_bytes());
        let (good_status, good_length) = post(url, good, &signature).await?;
        let bad = body();
        let wrong = sign(&format!("{key}-not"), bad.as_bytes());
        let (bad_status, _) = post(url, bad, &wrong).await?;
        Ok(good_status == 200 && good_length == 0 && bad_status == 401)
    }
}

//! Events and their signed delivery, as Stripe sends them (APIS.md §3.4–3.5): a JSON POST of the
//! event with `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256(endpoint secret, "<t>.<body>")>`
//! (one `v1` per endpoint secret while one is rolled), as stripe-node's
//! `generateTestHeaderString` makes it. A delivery the receiver does not answer 2xx is retried
//! in the background after the configured delays, each time signed afresh.

use super::{Inner, Shared};
use hmac::{KeyInit, Mac};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// How events reach the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Each event once, in the order it happened.
    InOrder,
    /// The events of each action newest first.
    Reversed,
    /// Each event twice (the second as Stripe's retry: the same event, signed a second later).
    Duplicated,
    /// Kept until [`StripeFake::release_held`](super::StripeFake::release_held).
    Held,
}

/// One delivery attempt and how the receiver answered (`None`: no answer).
#[derive(Debug, Clone)]
pub struct Delivered {
    pub event_id: String,
    pub event_type: String,
    pub status: Option<u16>,
    pub body: Vec<u8>,
    pub signature: String,
}

/// Lower-case hex HMAC-SHA256 of `"{timestamp}.{payload}"` under `secret`, used as is.
#[must_use]
pub fn sign_payload(secret: &str, timestamp: i64, payload: &[u8]) -> String {
    let mut mac =
        hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    hex::encode(mac.finalize().into_bytes())
}

/// `t=<timestamp>,v1=<signature>[,v1=…]`, one `v1` per secret.
#[must_use]
pub fn signature_header(secrets: &[String], timestamp: i64, payload: &[u8]) -> String {
    let mut header = format!("t={timestamp}");
    for s in secrets {
        header.push_str(",v1=");
        header.push_str(&sign_payload(s, timestamp, payload));
    }
    header
}

/// An event about `object` as it is now (a snapshot: a late delivery is stale).
pub(crate) fn event(
    inner: &mut Inner,
    kind: &str,
    object: &Value,
    previous: Option<Value>,
    now: i64,
) -> Value {
    let id = inner.id("evt");
    let request = inner.id("req");
    let mut data = json!({"object": object});
    if let Some(p) = previous {
        data["previous_attributes"] = p;
    }
    json!({
        "id": id, "object": "event", "api_version": flowsense_api_version(),
        "created": now, "livemode": false, "pending_webhooks": 1,
        "request": {"id": request, "idempotency_key": null},
        "type": kind, "data": data,
    })
}

fn flowsense_api_version() -> &'static str {
    "2026-07-29.dahlia"
}

/// Sends the events of one action as the delivery mode says.
pub(crate) async fn send(shared: &Arc<Shared>, mut events: Vec<Value>) {
    let mode = shared.lock().delivery;
    match mode {
        Delivery::Held => shared.lock().held.extend(events),
        Delivery::InOrder => deliver_all(shared, events).await,
        Delivery::Reversed => {
            events.reverse();
            deliver_all(shared, events).await;
        }
        Delivery::Duplicated => {
            for e in events {
                deliver(shared, e.clone(), 0).await;
                deliver(shared, e, 1).await;
            }
        }
    }
}

/// Delivers each event in turn; one not accepted is retried in the background.
pub(crate) async fn deliver_all(shared: &Arc<Shared>, events: Vec<Value>) {
    for e in events {
        deliver(shared, e, 0).await;
    }
}

/// Delivers `event` signed `later` seconds after now; if it is not accepted, retries it in the
/// background after each configured delay.
async fn deliver(shared: &Arc<Shared>, event: Value, later: i64) {
    if attempt(shared, &event, later).await {
        return;
    }
    let shared = shared.clone();
    tokio::spawn(async move {
        for delay in shared.config.retry_delays.clone() {
            tokio::time::sleep(delay).await;
            if attempt(&shared, &event, 0).await {
                return;
            }
        }
    });
}

/// One signed POST of `event`; true when the receiver answered 2xx.
async fn attempt(shared: &Shared, event: &Value, later: i64) -> bool {
    let Some(url) = shared.lock().webhook_url.clone() else {
        return false;
    };
    let body = event.to_string().into_bytes();
    let signature = signature_header(
        &shared.config.webhook_secrets,
        shared.now().timestamp() + later,
        &body,
    );
    let status = post(&url, &body, &signature).await;
    shared.lock().delivered.push(Delivered {
        event_id: event["id"].as_str().unwrap_or_default().to_owned(),
        event_type: event["type"].as_str().unwrap_or_default().to_owned(),
        status,
        body,
        signature,
    });
    status.is_some_and(|s| (200..300).contains(&s))
}

async fn post(url: &str, body: &[u8], signature: &str) -> Option<u16> {
    let client = flowsense_outbound::client_builder(false)
        .ok()?
        .timeout(Duration::from_secs(10))
        .build()
        .ok()?;
    let answer = client
        .post(url)
        .header("content-type", "application/json; charset=utf-8")
        .header("stripe-signature", signature)
        .header(
            "user-agent",
            "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        )
        .body(body.to_vec())
        .send()
        .await
        .ok()?;
    Some(answer.status().as_u16())
}

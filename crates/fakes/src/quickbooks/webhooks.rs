//! Delivering webhooks the way Intuit does (APIS.md §1.9): a `POST` of a CloudEvents array
//! whose `intuitaccountid` is the realm, signed with the app's verifier token as
//! `intuit-signature: base64(HMAC-SHA256(verifier, the exact body bytes))`, with the
//! `intuit-created-time`, `intuit-t-id` and `intuit-notification-schema-version` headers.

use super::{QuickBooksFake, random_token};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{KeyInit, Mac};
use serde_json::json;

/// One change to announce: `qbo.<entity>.<operation>.v1` about entity `id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEvent {
    /// Lower-case entity name (`invoice`, `purchase`, `account`, …).
    pub entity: String,
    /// `created`, `updated`, `deleted`, …
    pub operation: String,
    pub id: String,
}

/// What was sent and how the receiver answered (tests replay `body` with `signature`).
#[derive(Debug, Clone)]
pub struct Delivered {
    pub status: u16,
    pub body: Vec<u8>,
    pub signature: String,
}

/// `base64(HMAC-SHA256(verifier, body))`, the `intuit-signature` value.
#[must_use]
pub fn sign_webhook(verifier: &str, body: &[u8]) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(verifier.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(body);
    STANDARD.encode(mac.finalize().into_bytes())
}

impl QuickBooksFake {
    /// POSTs `events` of this fake's realm to `url` as one signed CloudEvents delivery.
    ///
    /// # Errors
    /// When the request cannot be sent.
    pub async fn deliver_webhook(
        &self,
        url: &str,
        verifier: &str,
        events: &[WebhookEvent],
    ) -> Result<Delivered, reqwest::Error> {
        let now = self.shared.now();
        let realm = self.shared.config.realm_id.clone();
        let array: Vec<_> = events
            .iter()
            .map(|e| {
                json!({
                    "specversion": "1.0",
                    "id": random_token(),
                    "source": "intuit.fake",
                    "type": format!("qbo.{}.{}.v1", e.entity, e.operation),
                    "datacontenttype": "application/json",
                    "time": now.to_rfc3339(),
                    "intuitentityid": e.id,
                    "intuitaccountid": realm,
                    "data": {},
                })
            })
            .collect();
        let body = serde_json::to_vec(&array).expect("JSON of plain values");
        let signature = sign_webhook(verifier, &body);
        #[expect(
            clippy::disallowed_methods,
            reason = "the fake is Intuit calling the app under test on loopback, not FlowSense calling out"
        )]
        let client = reqwest::Client::new();
        let response = client
            .post(url)
            .header("content-type", "application/cloudevents-batch+json")
            .header("intuit-signature", &signature)
            .header("intuit-created-time", now.to_rfc3339())
            .header("intuit-t-id", random_token())
            .header("intuit-notification-schema-version", "1.0")
            .body(body.clone())
            .send()
            .await?;
        Ok(Delivered {
            status: response.status().as_u16(),
            body,
            signature,
        })
    }

    /// Registers another redirect URI for the app (a test server's port is known late).
    pub fn allow_redirect_uri(&self, uri: &str) {
        self.shared.lock().redirect_uris.push(uri.to_owned());
    }
}

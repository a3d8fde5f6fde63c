//! The fake's signed webhook deliveries and its intent-to-receive check, against a receiver
//! that verifies `x-xero-signature` as Xero requires (200 with an empty body, or 401).

use crate::xero::support::env;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine;
use flowsense_fakes::xero::WebhookEvent;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::sync::{Arc, Mutex};

type Received = Arc<Mutex<Vec<serde_json::Value>>>;

async fn receiver(check: bool) -> (String, Received) {
    let received: Received = Arc::default();
    let app = Router::new()
        .route(
            "/webhooks/xero",
            post(
                move |State(r): State<Received>, headers: HeaderMap, body: Bytes| async move {
                    let signature = headers
                        .get("x-xero-signature")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| base64::engine::general_purpose::STANDARD.decode(v).ok())
                        .unwrap_or_default();
                    let mut mac = Hmac::<Sha256>::new_from_slice(b"webhook-key-1").expect("key");
                    mac.update(&body);
                    if check && mac.verify_slice(&signature).is_err() {
                        return StatusCode::UNAUTHORIZED;
                    }
                    r.lock()
                        .expect("lock")
                        .push(serde_json::from_slice(&body).expect("json"));
                    StatusCode::OK
                },
            ),
        )
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!(
        "http://{}/webhooks/xero",
        listener.local_addr().expect("addr")
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, received)
}

#[tokio::test]
async fn deliveries_are_signed_and_the_intent_to_receive_check_needs_200_and_401() {
    let env = env(200).await;
    let (url, received) = receiver(true).await;
    assert!(
        env.fake
            .intent_to_receive(&url, "webhook-key-1")
            .await
            .expect("reached")
    );
    received.lock().expect("lock").clear();

    let tenant = env.fake.tenant_ids()[0].clone();
    let invoice = env
        .fake
        .ledger(0)
        .records
        .iter()
        .find(|r| r.txn_type == "ACCREC")
        .expect("invoice")
        .id
        .clone();
    let event = WebhookEvent {
        resource_url: format!("https://api.xero.com/api.xro/2.0/Invoices/{invoice}"),
        resource_id: invoice.clone(),
        tenant_id: tenant.clone(),
        tenant_type: "ORGANISATION".into(),
        event_category: "INVOICE".into(),
        event_type: "UPDATE".into(),
        event_date_utc: "2027-02-01T09:00:00.000".into(),
    };
    let status = env
        .fake
        .deliver_webhook(&url, "webhook-key-1", std::slice::from_ref(&event))
        .await
        .expect("delivered");
    assert_eq!(status, 200);
    let wrong = env
        .fake
        .deliver_webhook(&url, "another-key", &[event])
        .await
        .expect("delivered");
    assert_eq!(wrong, 401);
    let got = received.lock().expect("lock").clone();
    assert_eq!(got.len(), 1);
    let body = &got[0];
    assert_eq!(body["events"][0]["resourceId"], invoice.as_str());
    assert_eq!(body["events"][0]["tenantId"], tenant.as_str());
    assert_eq!(body["events"][0]["eventCategory"], "INVOICE");
    assert_eq!(body["firstEventSequence"], body["lastEventSequence"]);
    assert!(body["entropy"].as_str().is_some_and(|e| !e.is_empty()));

    // A receiver that accepts anything fails Xero's check.
    let (careless, _) = receiver(false).await;
    assert!(
        !env.fake
            .intent_to_receive(&careless, "webhook-key-1")
            .await
            .expect("reached")
    );
}

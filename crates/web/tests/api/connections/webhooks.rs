//! Signed webhooks: QuickBooks (CloudEvents and legacy bodies, delivered by the fake as Intuit
//! does) and Xero (intent to receive, events). A bad signature is 401 and changes nothing; a
//! replay does nothing new; a company nobody connected is accepted and ignored.

use super::{VERIFIER, XERO_KEY, connected, env, sync_jobs};
use crate::support::Db;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::TimeDelta;
use flowsense_fakes::{WebhookEvent, sign_webhook};
use flowsense_storage::Connection;
use hmac::{KeyInit, Mac};
use reqwest::StatusCode;
use serde_json::json;

async fn post(
    base: &str,
    path: &str,
    header: &str,
    signature: &str,
    body: &[u8],
) -> (StatusCode, String) {
    let r = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .header(header, signature)
        .header("content-type", "application/json")
        .body(body.to_vec())
        .send()
        .await
        .expect("post");
    (r.status(), r.text().await.expect("body"))
}

fn xero_signature(body: &[u8]) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(XERO_KEY.as_bytes()).expect("key");
    mac.update(body);
    STANDARD.encode(mac.finalize().into_bytes())
}

fn syncs_of(jobs: &[flowsense_storage::JobRecord], c: &Connection) -> usize {
    jobs.iter()
        .filter(|j| j.payload.contains(&c.id.to_string()) && j.org == Some(c.org_id))
        .count()
}

async fn quickbooks_deliveries_sync_the_named_company_once(db: Db) {
    let e = env(db).await;
    let store = &e.app.state.store;
    let realm = e.fake.config().realm_id.clone();
    let ours = connected(store, e.org, "quickbooks", &realm).await;
    let rival_admin = e.app.user("admin@rival.test").await;
    let rival = e.app.org("rival", rival_admin).await;
    let theirs = connected(store, rival, "quickbooks", "another-realm").await;
    let url = format!("{}/webhooks/quickbooks", e.app.base);
    let event = WebhookEvent {
        entity: "invoice".into(),
        operation: "created".into(),
        id: "145".into(),
    };

    // The fake delivers as Intuit does: a sync of our connection only.
    let delivered = e
        .fake
        .deliver_webhook(&url, VERIFIER, std::slice::from_ref(&event))
        .await
        .expect("deliver");
    assert_eq!(delivered.status, 200);
    let jobs = sync_jobs(&e.app).await;
    assert_eq!((syncs_of(&jobs, &ours), syncs_of(&jobs, &theirs)), (1, 0));

    // A replay, minutes later, does nothing new.
    e.app.advance(TimeDelta::minutes(3));
    let (s, _) = post(
        &e.app.base,
        "/webhooks/quickbooks",
        "intuit-signature",
        &delivered.signature,
        &delivered.body,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(sync_jobs(&e.app).await.len(), 1);

    // Forged (another key) and tampered (signature of other bytes) deliveries: 401, nothing.
    let forged = e
        .fake
        .deliver_webhook(&url, "not-the-verifier", std::slice::from_ref(&event))
        .await
        .expect("deliver");
    assert_eq!(forged.status, 401);
    let mut tampered = delivered.body.clone();
    let at = tampered.len() / 2;
    tampered[at] = if tampered[at] == b'1' { b'2' } else { b'1' };
    let (s, _) = post(
        &e.app.base,
        "/webhooks/quickbooks",
        "intuit-signature",
        &delivered.signature,
        &tampered,
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = post(
        &e.app.base,
        "/webhooks/quickbooks",
        "x-other",
        "x",
        &delivered.body,
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(sync_jobs(&e.app).await.len(), 1);

    // A company nobody connected: accepted, ignored.
    let unknown = serde_json::to_vec(&json!([{"specversion": "1.0", "id": "ev-unknown", "source": "intuit", "type": "qbo.invoice.created.v1", "time": "2026-12-03T09:00:00Z", "intuitentityid": "1", "intuitaccountid": "999999", "data": {}}])).expect("json");
    let (s, _) = post(
        &e.app.base,
        "/webhooks/quickbooks",
        "intuit-signature",
        &sign_webhook(VERIFIER, &unknown),
        &unknown,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(sync_jobs(&e.app).await.len(), 1);

    // The legacy shape names the realm as realmId. (One sync is queued per connection at a
    // time: the first is taken out of the queue here, as a worker would take it.)
    e.app.advance(TimeDelta::minutes(3));
    for job in sync_jobs(&e.app).await {
        e.app
            .state
            .store
            .cancel_job_across_orgs(job.id, e.app.state.now())
            .await
            .expect("cancel");
    }
    let legacy = serde_json::to_vec(&json!({"eventNotifications": [{"realmId": realm, "dataChangeEvent": {"entities": [{"name": "Invoice", "id": "1", "operation": "Update", "lastUpdated": "2026-12-03T09:00:00-0800"}]}}]})).expect("json");
    let (s, _) = post(
        &e.app.base,
        "/webhooks/quickbooks",
        "intuit-signature",
        &sign_webhook(VERIFIER, &legacy),
        &legacy,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let jobs = sync_jobs(&e.app).await;
    assert_eq!((syncs_of(&jobs, &ours), syncs_of(&jobs, &theirs)), (2, 0));
}

async fn xero_intent_to_receive_and_events(db: Db) {
    let e = env(db).await;
    let tenant = "8f5a4b2e-1c3d-4e5f-a6b7-c8d9e0f1a2b3";
    let ours = connected(&e.app.state.store, e.org, "xero", tenant).await;
    let intent =
        br#"{"events":[],"lastEventSequence":0,"firstEventSequence":0,"entropy":"S0m3r4Nd0mt3xt"}"#;
    let (s, body) = post(
        &e.app.base,
        "/webhooks/xero",
        "x-xero-signature",
        &xero_signature(intent),
        intent,
    )
    .await;
    assert_eq!((s, body.as_str()), (StatusCode::OK, ""));
    let (s, _) = post(
        &e.app.base,
        "/webhooks/xero",
        "x-xero-signature",
        &STANDARD.encode([0u8; 32]),
        intent,
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(sync_jobs(&e.app).await.is_empty());

    let events = serde_json::to_vec(&json!({"events": [{"resourceUrl": "https://api.xero.com/api.xro/2.0/Invoices/1", "resourceId": "1", "tenantId": tenant, "tenantType": "ORGANISATION", "eventCategory": "INVOICE", "eventType": "CREATE", "eventDateUtc": "2026-12-03T09:00:00.000"}], "firstEventSequence": 76, "lastEventSequence": 76, "entropy": "FXNGW"})).expect("json");
    let (s, body) = post(
        &e.app.base,
        "/webhooks/xero",
        "x-xero-signature",
        &xero_signature(&events),
        &events,
    )
    .await;
    assert_eq!((s, body.as_str()), (StatusCode::OK, ""));
    assert_eq!(syncs_of(&sync_jobs(&e.app).await, &ours), 1);
    e.app.advance(TimeDelta::minutes(3));
    let (s, _) = post(
        &e.app.base,
        "/webhooks/xero",
        "x-xero-signature",
        &xero_signature(&events),
        &events,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(sync_jobs(&e.app).await.len(), 1);
}

crate::on_both_backends!(
    quickbooks_deliveries_sync_the_named_company_once,
    xero_intent_to_receive_and_events,
);

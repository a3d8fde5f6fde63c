//! Checklist A6 and A9: the log at every level of our crates (and sqlx's statements) while a
//! person signs in, connects QuickBooks through the OAuth consent page and callback, the books
//! (with canary names and memos) sync, a signed webhook arrives and syncs again, and the
//! assistant answers from those books, holds none of the credentials, tokens, provider ids or
//! book text involved; and it does hold each `intuit_tid` QuickBooks answered with, for support.

use crate::account_pages::captured_log;
use crate::assistant::{ask_json, model_for, with_model};
use crate::connections::{Hops, VERIFIER, with_fake_quickbooks};
use crate::support::{Db, PASSWORD, spawn_with_state};
use chrono::Utc;
use flowsense_core::clock::ManualClock;
use flowsense_fakes::{
    AnthropicFake, AnthropicFakeConfig, FakeConfig, QuickBooksFake, WebhookEvent,
};
use flowsense_service::identity::limits::RateLimits;
use reqwest::StatusCode;
use secrecy::ExposeSecret;
use std::sync::Arc;

const VENDOR: &str = "canary-vendor-a6";
const MEMO: &str = "canary-memo-a6";
const CUSTOMER: &str = "canary-customer-a6";
const REALM: &str = "4620816365182739001";
const CLIENT_SECRET: &str = "canary-client-secret-a6-000000000000";
const MODEL_KEY: &str = "sk-ant-canary-a6-0000000000000000000000000000000000";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_or_book_text_reaches_the_log_and_intuit_tid_does() {
    let log = captured_log();
    let mut books =
        flowsense_synth::generate(&flowsense_synth::GenConfig::new(5, 200)).expect("books");
    for t in books.transactions.iter_mut().take(60) {
        t.counterparty = VENDOR.into();
        t.description = MEMO.into();
    }
    for d in &mut books.documents {
        d.counterparty = CUSTOMER.into();
    }
    let fake = QuickBooksFake::start(
        &books,
        FakeConfig {
            realm_id: REALM.into(),
            client_secret: CLIENT_SECRET.into(),
            ..FakeConfig::default()
        },
        Arc::new(ManualClock::new(Utc::now())),
    )
    .await
    .expect("fake");
    let model_fake = AnthropicFake::start(AnthropicFakeConfig {
        api_key: MODEL_KEY.into(),
        ..AnthropicFakeConfig::default()
    })
    .await
    .expect("model fake");
    let model = model_for(&model_fake);
    let app = spawn_with_state(
        Db::Sqlite,
        RateLimits::generous(),
        |_| {},
        |state| {
            with_model(
                with_fake_quickbooks(state, &fake),
                model,
                "anthropic",
                u64::MAX,
            )
        },
    )
    .await;
    fake.allow_redirect_uri(&format!("{}/oauth/quickbooks/callback", app.base));
    let admin = app.user("admin@canary.test").await;
    let org = app.org("canary", admin).await;

    // Sign-in (the password is a canary too), then the OAuth round trip.
    let hops = Hops::signed_in(&app, "admin@canary.test").await;
    let (status, authorize) = hops
        .form(&format!("/app/{org}/integrations/connect/quickbooks"))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let callback = hops.decide_at_fake(&authorize, true).await;
    let code = callback
        .split("code=")
        .nth(1)
        .and_then(|c| c.split('&').next())
        .expect("a code")
        .to_owned();
    let state = callback
        .split("state=")
        .nth(1)
        .and_then(|c| c.split('&').next())
        .expect("a state")
        .to_owned();
    let (status, _, _) = hops.get(&callback).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let connection = app.state.store.connections(org).await.expect("list")[0].clone();
    let tokens = app
        .state
        .store
        .connection_tokens(org, connection.id)
        .await
        .expect("tokens")
        .expect("stored");

    // The first sync, a signed webhook and the sync it queues.
    assert!(app.run_jobs().await >= 1);
    assert!(app.transactions_in(org).await > 0, "the books synced");
    let delivered = fake
        .deliver_webhook(
            &format!("{}/webhooks/quickbooks", app.base),
            VERIFIER,
            &[WebhookEvent {
                entity: "purchase".into(),
                operation: "updated".into(),
                id: "1".into(),
            }],
        )
        .await
        .expect("deliver");
    assert_eq!(delivered.status, 200);
    app.run_jobs().await;

    // The assistant reads the synced books to the model.
    let (status, answer) = ask_json(
        &app,
        "admin@canary.test",
        org,
        "What did we pay our suppliers last month?",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert!(!model_fake.received().is_empty(), "the model was called");

    let text = String::from_utf8(log.0.lock().expect("log").clone()).expect("utf-8");
    assert!(
        text.contains("\"route\":\"/oauth/{provider}/callback\""),
        "the callback ran under the capture"
    );
    for canary in [
        PASSWORD,
        REALM,
        CLIENT_SECRET,
        MODEL_KEY,
        VERIFIER,
        VENDOR,
        MEMO,
        CUSTOMER,
        code.as_str(),
        state.as_str(),
        delivered.signature.as_str(),
        tokens.access.expose_secret(),
        tokens.refresh.expose_secret(),
    ] {
        assert!(
            !text.contains(canary),
            "a secret, provider id or book text reached the log"
        );
    }

    // A9: every intuit_tid of a QuickBooks data answer is in the structured log.
    let tids: Vec<String> = fake
        .served()
        .into_iter()
        .filter(|s| s.path.starts_with("/v3/company/"))
        .filter_map(|s| s.intuit_tid)
        .collect();
    assert!(!tids.is_empty(), "the fake answered with intuit_tid");
    for tid in &tids {
        assert!(
            text.contains(&format!("\"support_id\":\"{tid}\"")),
            "{tid} is not in the log"
        );
    }
}

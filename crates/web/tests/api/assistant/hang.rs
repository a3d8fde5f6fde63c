//! A model endpoint that accepts the question and then goes quiet: the answer times out within
//! the configured deadlines, the asker is told clearly, the call is recorded as failed, and no
//! conversation or half an answer is kept.

use super::{ask_json, ask_streamed, parse_sse, with_model};
use crate::analysis_pages::{coffee_books, import_generated};
use crate::on_both_backends;
use crate::support::{Db, spawn_with_state};
use flowsense_ai::{Anthropic, AnthropicConfig, ChatModel, Loopback, RetryPolicy, Url};
use flowsense_core::Role;
use flowsense_fakes::{AnthropicFake, AnthropicFakeConfig, Script};
use flowsense_service::identity::limits::RateLimits;
use flowsense_storage::AiOutcome;
use reqwest::StatusCode;
use secrecy::SecretString;
use std::sync::Arc;
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_millis(400);

async fn a_model_that_hangs_times_out_and_keeps_nothing(db: Db) {
    let fake = AnthropicFake::start(AnthropicFakeConfig::default())
        .await
        .expect("fake");
    let mut config = AnthropicConfig::new(
        SecretString::from(fake.config().api_key.clone()),
        "claude-sonnet-4-6",
    );
    config.base_url = Url::parse(&fake.base_url()).expect("url");
    config.loopback = Loopback::Allowed;
    config.retry = RetryPolicy {
        max_retries: 1,
        initial_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        request_timeout: DEADLINE,
        stream_idle_timeout: DEADLINE,
        ..RetryPolicy::default()
    };
    let model: Arc<dyn ChatModel> = Arc::new(Anthropic::new(config).expect("client"));
    let app = spawn_with_state(
        db,
        RateLimits::generous(),
        |_| {},
        move |state| with_model(state, model, "anthropic", 1_000_000),
    )
    .await;
    let ann = app.user("ann@x.test").await;
    let org = app.org("roasters", ann).await;
    app.member(org, "mia@x.test", Role::Member).await;
    import_generated(&app, org, &coffee_books(300)).await;

    // Asked for JSON: the model hangs; the wait is cut at its deadline and the asker told.
    for _ in 0..2 {
        fake.script(Script::Stall);
    }
    let started = Instant::now();
    let (status, body) = ask_json(&app, "mia@x.test", org, "What is our runway?", None).await;
    let took = started.elapsed();
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert_eq!(body["error"]["code"], "ai_failed", "{body}");
    assert!(
        took < DEADLINE * 2 + Duration::from_secs(3),
        "the answer gave up promptly: {took:?}"
    );

    // Streamed: the stream that went quiet ends with an error event, not a half answer.
    fake.script(Script::Stall);
    let started = Instant::now();
    let r = ask_streamed(&app, "mia@x.test", org, "And next month?").await;
    assert_eq!(r.status(), StatusCode::OK);
    let events = parse_sse(&r.text().await.expect("stream"));
    let streamed_took = started.elapsed();
    let last = events.last().expect("an event");
    assert_eq!(last.name, "error", "{events:?}");
    assert_eq!(last.data["code"], "ai_failed");
    assert!(events.iter().all(|e| e.name != "done"));
    assert!(
        streamed_took < DEADLINE + Duration::from_secs(3),
        "the stream gave up promptly: {streamed_took:?}"
    );

    let store = &app.state.store;
    let failed = store
        .recent_ai_calls(org, 50)
        .await
        .expect("calls")
        .iter()
        .filter(|c| c.outcome == AiOutcome::Failed)
        .count();
    assert_eq!(failed, 2, "each question's call is recorded as failed");
    let mia = store
        .user_by_email("mia@x.test")
        .await
        .expect("a value")
        .expect("mia")
        .id;
    assert!(
        store
            .conversations_of_user(org, mia)
            .await
            .expect("conversations")
            .is_empty(),
        "no conversation keeps a question without its answer"
    );
    println!("hung model: JSON answer gave up after {took:?}, stream after {streamed_took:?}");
}

on_both_backends!(a_model_that_hangs_times_out_and_keeps_nothing);

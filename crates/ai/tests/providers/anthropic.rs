//! Claude's Messages API client against the Anthropic fake.

use crate::support::{CASH_FLOW_RESULT, question, quick_retries, tool_loop};
use flowsense_ai::{
    AiError, Anthropic, AnthropicConfig, ChatModel, Limits, Loopback, StopReason, StreamEvent,
    collect_stream,
};
use flowsense_fakes::{AnthropicFake, AnthropicFakeConfig, Script};
use futures_util::StreamExt;
use reqwest::Url;
use secrecy::SecretString;
use serde_json::json;
use std::time::{Duration, Instant};

async fn fake_with(config: AnthropicFakeConfig) -> AnthropicFake {
    AnthropicFake::start(config).await.unwrap()
}

fn config_for(fake: &AnthropicFake, key: &str) -> AnthropicConfig {
    let mut c = AnthropicConfig::new(SecretString::from(key.to_owned()), "claude-sonnet-4-6");
    c.base_url = Url::parse(&fake.base_url()).unwrap();
    c.loopback = Loopback::Allowed;
    c.retry = quick_retries();
    c
}

fn client(fake: &AnthropicFake) -> Anthropic {
    Anthropic::new(config_for(fake, &fake.config().api_key)).unwrap()
}

#[tokio::test]
async fn a_tool_loop_completes_and_the_answer_quotes_the_tool_s_figures() {
    let fake = fake_with(AnthropicFakeConfig::default()).await;
    let claude = client(&fake);
    let (first, second) = tool_loop(&claude, false).await;
    assert_eq!(first.text(), "Let me look that up with cash_flow.");
    assert_eq!(first.model, "claude-sonnet-4-6");
    assert_eq!(second.stop, StopReason::EndTurn);
    assert_eq!(
        second.text(),
        "From cash_flow: 2026-06, 12,450.00, 9,870.25, 2,579.75."
    );
    assert!(second.usage.input_tokens > 0 && second.usage.output_tokens > 0);

    let sent = fake.received();
    assert_eq!(sent.len(), 2);
    assert!(
        sent.iter()
            .all(|r| r.version.as_deref() == Some("2023-06-01") && r.key_accepted)
    );
    let body = &sent[1].body;
    assert_eq!(body["model"], "claude-sonnet-4-6");
    assert_eq!(body["max_tokens"], 1024);
    assert_eq!(body["temperature"], 0.2);
    assert_eq!(body["messages"][1]["role"], "assistant");
    assert_eq!(body["messages"][1]["content"][1]["type"], "tool_use");
    assert_eq!(body["messages"][2]["content"][0]["type"], "tool_result");
    assert_eq!(
        body["messages"][2]["content"][0]["content"],
        CASH_FLOW_RESULT
    );
}

#[tokio::test]
async fn the_same_loop_streams_even_cut_every_seven_bytes_with_pings_and_unknown_events() {
    let fake = fake_with(AnthropicFakeConfig {
        chunk_size: Some(7),
        unknown_events: true,
        ..AnthropicFakeConfig::default()
    })
    .await;
    let claude = client(&fake);
    let (first, second) = tool_loop(&claude, true).await;
    assert_eq!(first.text(), "Let me look that up with cash_flow.");
    assert_eq!(
        second.text(),
        "From cash_flow: 2026-06, 12,450.00, 9,870.25, 2,579.75."
    );
    // Usage is the cumulative count of message_delta, over message_start's input.
    assert!(second.usage.output_tokens > 1, "{:?}", second.usage);
    assert!(second.usage.input_tokens > 100, "{:?}", second.usage);

    // Multi-byte characters cut by the 7-byte chunks arrive whole.
    let text = "Caf\u{e9} cash \u{2014} \u{20ac}1\u{a0}200 left \u{1f4b6}\u{1f4b6}";
    fake.script(Script::text(text));
    let mut stream = claude.stream(&question("Anything?")).await.unwrap();
    let mut events = Vec::new();
    while let Some(e) = stream.next().await {
        events.push(e.unwrap());
    }
    assert_eq!(
        events.first(),
        Some(&StreamEvent::Model("claude-sonnet-4-6".into()))
    );
    assert!(matches!(
        events.last(),
        Some(StreamEvent::Stop(StopReason::EndTurn))
    ));
    let streamed: String = events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::TextDelta(t) => Some(t.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(streamed, text);
}

#[tokio::test]
async fn an_error_event_after_the_200_ends_the_stream_typed() {
    let fake = fake_with(AnthropicFakeConfig::default()).await;
    let claude = client(&fake);
    fake.script(Script::MidStreamError("overloaded_error".into()));
    let events: Vec<_> = claude
        .stream(&question("How is cash?"))
        .await
        .unwrap()
        .collect()
        .await;
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Ok(StreamEvent::TextDelta(t)) if t == "Looking at"))
    );
    assert!(
        matches!(events.last(), Some(Err(AiError::Overloaded))),
        "{events:?}"
    );
    // Not retried: the answer had begun.
    assert_eq!(fake.received().len(), 1);
}

#[tokio::test]
async fn a_429_waits_as_told_then_succeeds() {
    let fake = fake_with(AnthropicFakeConfig::default()).await;
    let claude = client(&fake);
    fake.script(Script::rate_limited(1));
    let started = Instant::now();
    let answer = claude
        .complete(&question("What is our runway?"))
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(answer.tool_calls().next().unwrap().1, "runway");
    assert_eq!(
        fake.received().iter().map(|r| r.status).collect::<Vec<_>>(),
        [429, 200]
    );

    // `retry-after-ms` wins over `retry-after`, for streams too.
    fake.script(Script::Status {
        status: 429,
        headers: vec![
            ("retry-after-ms".into(), "150".into()),
            ("retry-after".into(), "30".into()),
        ],
    });
    let started = Instant::now();
    let answer = collect_stream(claude.stream(&question("Runway?")).await.unwrap())
        .await
        .unwrap();
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(150) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
    assert_eq!(answer.stop, StopReason::ToolUse);
}

#[tokio::test]
async fn overload_is_retried_twice_then_given_up_typed() {
    let fake = fake_with(AnthropicFakeConfig::default()).await;
    let claude = client(&fake);
    for _ in 0..3 {
        fake.script(Script::overloaded());
    }
    let error = claude.complete(&question("Runway?")).await.unwrap_err();
    assert!(matches!(error, AiError::Overloaded), "{error:?}");
    assert_eq!(fake.received().len(), 3);

    // A 500 then success: retried once.
    fake.script(Script::server_error());
    claude.complete(&question("Runway?")).await.unwrap();
    assert_eq!(fake.received().len(), 5);

    // `x-should-retry: false` is obeyed even on a 529.
    fake.script(Script::Status {
        status: 529,
        headers: vec![("x-should-retry".into(), "false".into())],
    });
    assert!(matches!(
        claude.complete(&question("Runway?")).await,
        Err(AiError::Overloaded)
    ));
    assert_eq!(fake.received().len(), 6);
}

/// Checklist H7: two calls in a row that end overloaded open the breaker; the next call fails
/// at once without a request, as the provider being unavailable; after the cool-down one call
/// goes out as a probe, and its answer closes the breaker.
#[tokio::test]
async fn repeated_overload_opens_the_breaker_until_a_probe_is_answered() {
    let fake = fake_with(AnthropicFakeConfig::default()).await;
    let cool_down = Duration::from_millis(600);
    let claude = client(&fake).with_breaker(flowsense_ai::BreakerPolicy {
        failures: 2,
        cool_down,
    });
    for _ in 0..6 {
        fake.script(Script::overloaded());
    }
    for _ in 0..2 {
        let error = claude.complete(&question("Runway?")).await.unwrap_err();
        assert!(matches!(error, AiError::Overloaded), "{error:?}");
    }
    assert_eq!(fake.received().len(), 6);
    let started = Instant::now();
    let error = claude.complete(&question("Runway?")).await.unwrap_err();
    assert!(
        matches!(&error, AiError::Unavailable(why) if why.contains("paused")),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_millis(100));
    let Err(streamed) = claude.stream(&question("Runway?")).await else {
        panic!("a stream while the breaker is open")
    };
    assert!(matches!(streamed, AiError::Unavailable(_)), "{streamed:?}");
    assert_eq!(fake.received().len(), 6, "nothing reached the provider");

    tokio::time::sleep(cool_down).await;
    claude
        .complete(&question("Runway?"))
        .await
        .expect("the probe");
    claude.complete(&question("Runway?")).await.expect("closed");
    assert_eq!(fake.received().len(), 8);
}

#[tokio::test]
async fn a_wrong_key_is_an_auth_error_that_never_shows_the_key() {
    let fake = fake_with(AnthropicFakeConfig::default()).await;
    let key = "sk-ant-wrong-key-7f3a9c0d5e1b2a4f";
    let claude = Anthropic::new(config_for(&fake, key)).unwrap();
    let error = claude.complete(&question("Runway?")).await.unwrap_err();
    assert!(matches!(error, AiError::Auth { status: 401 }), "{error:?}");
    assert_eq!(fake.received().len(), 1, "not retried");
    let Err(stream_error) = claude.stream(&question("Runway?")).await else {
        panic!("a stream with a wrong key")
    };
    for shown in [
        error.to_string(),
        format!("{error:?}"),
        stream_error.to_string(),
        format!("{stream_error:?}"),
        format!("{claude:?}"),
        format!("{:?}", config_for(&fake, key)),
    ] {
        assert!(!shown.contains(key), "{shown}");
        assert!(!shown.contains("7f3a9c0d"), "{shown}");
    }
    // Nor the prompt.
    assert!(!error.to_string().contains("Runway"));
}

#[tokio::test]
async fn malformed_answers_and_oversized_ones_are_typed_errors() {
    let fake = fake_with(AnthropicFakeConfig::default()).await;
    let mut config = config_for(&fake, &fake.config().api_key);
    config.limits = Limits {
        max_answer_bytes: 64 << 10,
        max_stream_bytes: 64 << 10,
    };
    let claude = Anthropic::new(config).unwrap();

    fake.script(Script::MalformedJson);
    let e = claude.complete(&question("Runway?")).await.unwrap_err();
    assert!(matches!(e, AiError::MalformedAnswer(_)), "{e:?}");
    fake.script(Script::MalformedJson);
    let e = collect_stream(claude.stream(&question("Runway?")).await.unwrap())
        .await
        .unwrap_err();
    assert!(matches!(e, AiError::MalformedAnswer(_)), "{e:?}");

    fake.script(Script::Oversized(100_000));
    let e = claude.complete(&question("Runway?")).await.unwrap_err();
    assert!(
        matches!(e, AiError::AnswerTooLarge { limit: 65_536 }),
        "{e:?}"
    );
    fake.script(Script::Oversized(100_000));
    let e = collect_stream(claude.stream(&question("Runway?")).await.unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(e, AiError::AnswerTooLarge { limit: 65_536 }),
        "{e:?}"
    );
    // Just under the limit is fine.
    fake.script(Script::Oversized(50_000));
    assert_eq!(
        claude
            .complete(&question("Runway?"))
            .await
            .unwrap()
            .text()
            .len(),
        50_000
    );
}

#[tokio::test]
async fn the_fixed_prefix_is_marked_for_caching_and_read_from_the_cache_the_second_time() {
    let fake = fake_with(AnthropicFakeConfig {
        min_cache_tokens: 50,
        ..AnthropicFakeConfig::default()
    })
    .await;
    let claude = client(&fake);
    let first = claude.complete(&question("Runway?")).await.unwrap();
    let second = collect_stream(claude.stream(&question("Cash flow?")).await.unwrap())
        .await
        .unwrap();
    assert!(first.usage.cache_write_tokens > 50, "{:?}", first.usage);
    assert_eq!(first.usage.cache_read_tokens, 0);
    assert_eq!(
        second.usage.cache_read_tokens,
        first.usage.cache_write_tokens
    );
    assert_eq!(second.usage.cache_write_tokens, 0);

    let body = &fake.received()[0].body;
    let ephemeral = json!({"type": "ephemeral"});
    assert_eq!(body["tools"][0].get("cache_control"), None);
    assert_eq!(body["tools"][1]["cache_control"], ephemeral);
    assert_eq!(body["system"][0].get("cache_control"), None);
    assert_eq!(body["system"][1]["cache_control"], ephemeral);
    assert!(body["messages"][0].get("cache_control").is_none());
}

#[tokio::test]
async fn stop_reasons_and_a_prompt_too_long_are_told_apart() {
    let fake = fake_with(AnthropicFakeConfig {
        context_window: 400,
        ..AnthropicFakeConfig::default()
    })
    .await;
    let claude = client(&fake);
    for (wire, expected) in [
        ("refusal", StopReason::Refusal),
        (
            "model_context_window_exceeded",
            StopReason::ContextWindowExceeded,
        ),
        ("max_tokens", StopReason::MaxTokens),
        ("something_new", StopReason::Other("something_new".into())),
    ] {
        fake.script(Script::Text {
            text: "…".into(),
            stop_reason: wire.into(),
        });
        assert_eq!(
            claude.complete(&question("Hi")).await.unwrap().stop,
            expected
        );
    }
    let long = question(&"How is cash? ".repeat(200));
    assert!(matches!(
        claude.complete(&long).await,
        Err(AiError::ContextTooLong)
    ));
    assert!(matches!(
        claude.stream(&long).await,
        Err(AiError::ContextTooLong)
    ));
}

#[tokio::test]
async fn the_fake_refuses_a_request_without_a_version_and_the_client_refuses_loopback_unless_allowed()
 {
    let fake = fake_with(AnthropicFakeConfig::default()).await;
    let http = flowsense_outbound::client_builder(false)
        .unwrap()
        .build()
        .unwrap();
    let answer = http
        .post(format!("{}/v1/messages", fake.base_url()))
        .header("x-api-key", &fake.config().api_key)
        .json(&json!({"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400);
    let body: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(body["error"]["type"], "invalid_request_error");

    let mut config = config_for(&fake, "k");
    config.loopback = Loopback::Refused;
    assert!(matches!(
        Anthropic::new(config),
        Err(AiError::Destination(_))
    ));
    let info = client(&fake).info();
    assert_eq!(
        (info.provider, info.host.as_str()),
        ("anthropic", "127.0.0.1")
    );
}

#[tokio::test]
async fn a_stalled_answer_times_out_and_the_retry_gets_through() {
    let fake = fake_with(AnthropicFakeConfig::default()).await;
    let mut config = config_for(&fake, &fake.config().api_key);
    config.retry.request_timeout = Duration::from_millis(300);
    config.retry.stream_idle_timeout = Duration::from_millis(300);
    let claude = Anthropic::new(config).unwrap();

    // A whole answer that hangs mid-body is retried, and the second attempt answers.
    fake.script(Script::Stall);
    let answer = claude.complete(&question("Runway?")).await.unwrap();
    assert_eq!(answer.stop, StopReason::ToolUse);
    assert_eq!(fake.received().len(), 2);

    // A stream that goes quiet after it began ends with a timeout (not retried).
    fake.script(Script::Stall);
    let started = Instant::now();
    let e = collect_stream(claude.stream(&question("Runway?")).await.unwrap())
        .await
        .unwrap_err();
    assert!(matches!(e, AiError::Timeout), "{e:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(fake.received().len(), 3);
}

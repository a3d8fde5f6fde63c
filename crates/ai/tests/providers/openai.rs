//! The OpenAI-compatible client against the chat completions fake.

use crate::support::{CASH_FLOW_RESULT, question, quick_retries, tool_loop};
use flowsense_ai::{
    AiError, ChatModel, OpenAiCompatible, OpenAiConfig, Reach, StopReason, StreamEvent,
    collect_stream,
};
use flowsense_fakes::{OpenAiFake, OpenAiFakeConfig, Script};
use futures_util::StreamExt;
use reqwest::Url;
use secrecy::SecretString;
use std::time::{Duration, Instant};

fn config_for(fake: &OpenAiFake, key: Option<&str>) -> OpenAiConfig {
    let mut c = OpenAiConfig::new(
        Url::parse(&fake.base_url()).unwrap(),
        "llama3.1",
        Reach::SelfHosted,
    );
    c.api_key = key.map(|k| SecretString::from(k.to_owned()));
    c.retry = quick_retries();
    c
}

async fn fake_and_client(config: OpenAiFakeConfig) -> (OpenAiFake, OpenAiCompatible) {
    let key = config.api_key.clone();
    let fake = OpenAiFake::start(config).await.unwrap();
    let client = OpenAiCompatible::new(config_for(&fake, key.as_deref())).unwrap();
    (fake, client)
}

#[tokio::test]
async fn a_tool_loop_completes_with_functions_and_tool_messages() {
    let (fake, llm) = fake_and_client(OpenAiFakeConfig {
        api_key: Some("local-key".into()),
        ..OpenAiFakeConfig::default()
    })
    .await;
    let (first, second) = tool_loop(&llm, false).await;
    assert_eq!(first.model, "llama3.1");
    assert_eq!(
        second.text(),
        "From cash_flow: 2026-06, 12,450.00, 9,870.25, 2,579.75."
    );
    assert_eq!(second.stop, StopReason::EndTurn);
    assert!(second.usage.input_tokens > 0 && second.usage.output_tokens > 0);

    let sent = fake.received();
    assert!(
        sent.iter()
            .all(|r| r.key_accepted && r.path == "/v1/chat/completions")
    );
    let body = &sent[1].body;
    assert_eq!(body["messages"][0]["role"], "system");
    assert_eq!(body["tools"][0]["type"], "function");
    assert_eq!(body["tools"][0]["function"]["name"], "cash_flow");
    assert_eq!(body["messages"][2]["role"], "assistant");
    let call = &body["messages"][2]["tool_calls"][0];
    assert_eq!(call["function"]["arguments"], r#"{"month":"2026-06"}"#);
    assert_eq!(body["messages"][3]["role"], "tool");
    assert_eq!(body["messages"][3]["tool_call_id"], call["id"]);
    assert_eq!(body["messages"][3]["content"], CASH_FLOW_RESULT);
}

#[tokio::test]
async fn the_same_loop_streams_cut_every_seven_bytes() {
    let (fake, llm) = fake_and_client(OpenAiFakeConfig {
        chunk_size: Some(7),
        ..OpenAiFakeConfig::default()
    })
    .await;
    let (first, second) = tool_loop(&llm, true).await;
    assert_eq!(first.text(), "Let me look that up with cash_flow.");
    assert_eq!(
        second.text(),
        "From cash_flow: 2026-06, 12,450.00, 9,870.25, 2,579.75."
    );
    assert!(
        second.usage.output_tokens > 0,
        "usage asked with stream_options"
    );
    assert_eq!(
        fake.received()[0].body["stream_options"]["include_usage"],
        true
    );

    let text = "\u{e9}t\u{e9} \u{2014} \u{20ac}3\u{a0}100 \u{1f4b6}";
    fake.script(Script::text(text));
    let answer = collect_stream(llm.stream(&question("Anything?")).await.unwrap())
        .await
        .unwrap();
    assert_eq!(answer.text(), text);
}

#[tokio::test]
async fn keys_errors_and_broken_answers_are_typed() {
    let (fake, _) = fake_and_client(OpenAiFakeConfig {
        api_key: Some("right-key".into()),
        ..OpenAiFakeConfig::default()
    })
    .await;
    let wrong = OpenAiCompatible::new(config_for(&fake, Some("wrong-key-93b1c7"))).unwrap();
    let e = wrong.complete(&question("Runway?")).await.unwrap_err();
    assert!(matches!(e, AiError::Auth { status: 401 }), "{e:?}");
    assert!(!format!("{e} {e:?} {wrong:?}").contains("93b1c7"));
    let none = OpenAiCompatible::new(config_for(&fake, None)).unwrap();
    assert!(matches!(
        none.complete(&question("Runway?")).await,
        Err(AiError::Auth { .. })
    ));

    let llm = OpenAiCompatible::new(config_for(&fake, Some("right-key"))).unwrap();
    fake.script(Script::MalformedJson);
    assert!(matches!(
        llm.complete(&question("Runway?")).await,
        Err(AiError::MalformedAnswer(_))
    ));
    fake.script(Script::MalformedJson);
    let e = collect_stream(llm.stream(&question("Runway?")).await.unwrap())
        .await
        .unwrap_err();
    assert!(matches!(e, AiError::MalformedAnswer(_)), "{e:?}");

    fake.script(Script::MidStreamError("server_error".into()));
    let events: Vec<_> = llm
        .stream(&question("Runway?"))
        .await
        .unwrap()
        .collect()
        .await;
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Ok(StreamEvent::TextDelta(_))))
    );
    assert!(
        matches!(events.last(), Some(Err(AiError::Unavailable(_)))),
        "{events:?}"
    );
}

#[tokio::test]
async fn a_429_is_retried_after_the_wait_and_5xx_gives_up_after_the_budget() {
    let (fake, llm) = fake_and_client(OpenAiFakeConfig::default()).await;
    fake.script(Script::rate_limited(1));
    let started = Instant::now();
    let answer = llm
        .complete(&question("Runway if cautious?"))
        .await
        .unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1));
    let (_, name, input) = answer.tool_calls().next().unwrap();
    assert_eq!(
        (name, input["scenario"].as_str()),
        ("runway", Some("cautious"))
    );

    for _ in 0..3 {
        fake.script(Script::server_error());
    }
    let before = fake.received().len();
    assert!(matches!(
        llm.complete(&question("Runway?")).await,
        Err(AiError::Unavailable(_))
    ));
    assert_eq!(fake.received().len() - before, 3);
}

#[tokio::test]
async fn the_reach_decides_which_servers_may_be_called() {
    let fake = OpenAiFake::start(OpenAiFakeConfig::default())
        .await
        .unwrap();
    let mut public = config_for(&fake, None);
    public.reach = Reach::Public;
    assert!(matches!(
        OpenAiCompatible::new(public),
        Err(AiError::Destination(_))
    ));
    // A base without `/v1` gets it added; the request reaches the same path.
    let bare = fake.base_url().trim_end_matches("/v1").to_owned();
    let mut config = config_for(&fake, None);
    config.base_url = Url::parse(&bare).unwrap();
    let llm = OpenAiCompatible::new(config).unwrap();
    llm.complete(&question("Runway?")).await.unwrap();
    assert_eq!(fake.received()[0].path, "/v1/chat/completions");
    assert_eq!(llm.info().provider, "openai-compatible");
}

#[tokio::test]
async fn a_stalled_server_times_out_typed() {
    let fake = OpenAiFake::start(OpenAiFakeConfig::default())
        .await
        .unwrap();
    let mut config = config_for(&fake, None);
    config.retry.request_timeout = Duration::from_millis(300);
    config.retry.stream_idle_timeout = Duration::from_millis(300);
    config.retry.max_retries = 0;
    let llm = OpenAiCompatible::new(config).unwrap();
    fake.script(Script::Stall);
    assert!(matches!(
        llm.complete(&question("Runway?")).await,
        Err(AiError::Timeout)
    ));
    fake.script(Script::Stall);
    let e = collect_stream(llm.stream(&question("Runway?")).await.unwrap())
        .await
        .unwrap_err();
    assert!(matches!(e, AiError::Timeout), "{e:?}");
}

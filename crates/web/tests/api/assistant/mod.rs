//! The assistant end to end, against the model fakes on loopback: the tool loop (Anthropic and
//! OpenAI-compatible), the answer streamed as server-sent events over real HTTP or whole as
//! JSON, the page with and without script, retries and malformed model output, hostile text
//! in the books, pseudonymised names, roles and tenants, the monthly allowance, and the
//! conversations kept sealed, exported and purged.

mod answers;
mod conversations;
mod hang;
mod safety;

use crate::support::{Db, TestApp, spawn_with_state};
use flowsense_ai::{
    Anthropic, AnthropicConfig, ChatModel, Loopback, OpenAiCompatible, OpenAiConfig, Reach,
    RetryPolicy, Url,
};
use flowsense_core::OrgId;
use flowsense_fakes::{AnthropicFake, AnthropicFakeConfig, OpenAiFake, OpenAiFakeConfig, Received};
use flowsense_service::ai::usage::MonthlyTokens;
use flowsense_service::identity::limits::RateLimits;
use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// Retries quickly, so overload tests do not wait.
fn quick_retries() -> RetryPolicy {
    RetryPolicy {
        initial_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        ..RetryPolicy::default()
    }
}

/// The model fake behind the app.
pub(crate) enum Fake {
    Anthropic(AnthropicFake),
    OpenAi(OpenAiFake),
}

impl Fake {
    pub(crate) fn script(&self, s: flowsense_fakes::Script) {
        match self {
            Fake::Anthropic(f) => f.script(s),
            Fake::OpenAi(f) => f.script(s),
        }
    }

    pub(crate) fn received(&self) -> Vec<Received> {
        match self {
            Fake::Anthropic(f) => f.received(),
            Fake::OpenAi(f) => f.received(),
        }
    }

    /// Every request body the fake received, as text.
    pub(crate) fn bodies(&self) -> String {
        self.received()
            .iter()
            .map(|r| r.body.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// A client of the Anthropic fake, retrying quickly.
pub(crate) fn model_for(fake: &AnthropicFake) -> Arc<dyn ChatModel> {
    let mut config = AnthropicConfig::new(
        SecretString::from(fake.config().api_key.clone()),
        "claude-sonnet-4-6",
    );
    config.base_url = Url::parse(&fake.base_url()).expect("url");
    config.loopback = Loopback::Allowed;
    config.retry = quick_retries();
    Arc::new(Anthropic::new(config).expect("client"))
}

/// `state` with `model` as its AI provider (named `provider` on the pages), each organisation
/// allowed `monthly_tokens` a month.
pub(crate) fn with_model(
    mut state: flowsense_web::AppState,
    model: Arc<dyn ChatModel>,
    provider: &str,
    monthly_tokens: u64,
) -> flowsense_web::AppState {
    let mut providers = state.services.providers.clone();
    providers.ai = Some(model);
    providers.ai_monthly_tokens = MonthlyTokens(monthly_tokens);
    state.services = state.services.clone().with_providers(providers);
    let mut deployment = (*state.deployment).clone();
    deployment.ai_provider = Some(provider.to_owned());
    state.deployment = Arc::new(deployment);
    state
}

/// The app with a model behind it (Anthropic's fake unless `openai`), each organisation
/// allowed `monthly_tokens` a month.
pub(crate) async fn spawn_assistant(db: Db, openai: bool, monthly_tokens: u64) -> (TestApp, Fake) {
    let (fake, model): (Fake, Arc<dyn ChatModel>) = if openai {
        let fake = OpenAiFake::start(OpenAiFakeConfig::default())
            .await
            .expect("fake");
        let mut config = OpenAiConfig::new(
            Url::parse(&fake.base_url()).expect("url"),
            "llama3.1",
            Reach::SelfHosted,
        );
        config.retry = quick_retries();
        let model = Arc::new(OpenAiCompatible::new(config).expect("client"));
        (Fake::OpenAi(fake), model)
    } else {
        let fake = AnthropicFake::start(AnthropicFakeConfig::default())
            .await
            .expect("fake");
        let model = model_for(&fake);
        (Fake::Anthropic(fake), model)
    };
    let provider = if openai {
        "openai-compatible"
    } else {
        "anthropic"
    };
    let app = spawn_with_state(
        db,
        RateLimits::generous(),
        |_| {},
        move |state| with_model(state, model, provider, monthly_tokens),
    )
    .await;
    (app, fake)
}

/// Asks as `email`, wanting JSON.
pub(crate) async fn ask_json(
    app: &TestApp,
    email: &str,
    org: OrgId,
    question: &str,
    conversation: Option<&str>,
) -> (StatusCode, Value) {
    let browser = app.signed_in(email).await;
    let mut body = json!({ "question": question });
    if let Some(c) = conversation {
        body["conversation_id"] = json!(c);
    }
    let r = browser
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/orgs/{org}/assistant/messages"),
        )
        .header("accept", "application/json")
        .json(&body)
        .send()
        .await
        .expect("ask");
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// One server-sent event.
#[derive(Debug, Clone)]
pub(crate) struct Sse {
    pub name: String,
    pub data: Value,
}

/// Reads a `text/event-stream` body into its events (comments and keep-alives skipped).
/// `question` asked by `email` with the default answer, streamed as server-sent events.
pub(crate) async fn ask_streamed(
    app: &TestApp,
    email: &str,
    org: OrgId,
    question: &str,
) -> reqwest::Response {
    app.signed_in(email)
        .await
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/orgs/{org}/assistant/messages"),
        )
        .json(&json!({ "question": question }))
        .send()
        .await
        .expect("ask")
}

pub(crate) fn parse_sse(body: &str) -> Vec<Sse> {
    body.replace("\r\n", "\n")
        .split("\n\n")
        .filter_map(|block| {
            let mut name = "message".to_owned();
            let mut data = Vec::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    v.trim().clone_into(&mut name);
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push(v.strip_prefix(' ').unwrap_or(v));
                }
            }
            (!data.is_empty()).then(|| Sse {
                name,
                data: serde_json::from_str(&data.join("\n")).expect("JSON data"),
            })
        })
        .collect()
}

/// The tool results (their JSON text) the model was sent, in order, across every request.
pub(crate) fn tool_results(fake: &Fake) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = Vec::new();
    for r in fake.received() {
        let Some(messages) = r.body["messages"].as_array() else {
            continue;
        };
        for m in messages {
            // Anthropic: tool_result blocks in a user turn; OpenAI: `tool` role messages.
            if m["role"] == "tool" {
                let c = m["content"].as_str().unwrap_or_default().to_owned();
                let error = c.starts_with("{\"error\"");
                if !out.iter().any(|(x, _)| *x == c) {
                    out.push((c, error));
                }
            }
            for block in m["content"].as_array().into_iter().flatten() {
                if block["type"] == "tool_result" {
                    let c = match &block["content"] {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    let error = block["is_error"].as_bool().unwrap_or(false);
                    if !out.iter().any(|(x, _)| *x == c) {
                        out.push((c, error));
                    }
                }
            }
        }
    }
    out
}

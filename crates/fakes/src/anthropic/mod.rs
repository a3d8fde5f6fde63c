//! A local Anthropic Messages API (APIS.md §4): `POST /v1/messages` with `x-api-key` and
//! `anthropic-version` checked, whole answers and the SSE event sequence (with `ping`, tool
//! input split across `input_json_delta` fragments, cumulative `message_delta.usage`), error
//! bodies by status, prompt caching counted per prefix, and the deterministic default model of
//! [`crate::llm::brain`]. Tests queue [`Script`]s to get errors, overload, broken JSON or
//! canned answers instead, and read back every request received.

mod render;

pub use crate::llm::{Received, Script};

use crate::llm::{Log, Part, Shared, Tool, Turn, tokens};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::post;
use serde_json::Value;
use std::sync::{Arc, Mutex};

/// How the fake behaves.
#[derive(Debug, Clone)]
pub struct AnthropicFakeConfig {
    /// The one key accepted in `x-api-key`.
    pub api_key: String,
    /// Prompts of more tokens are refused as too long.
    pub context_window: u64,
    /// A cached prefix shorter than this is silently not cached (as the API does).
    pub min_cache_tokens: u64,
    /// Cut streamed answers every this many bytes (`None`: one chunk).
    pub chunk_size: Option<usize>,
    /// Put events of a name no client knows yet into streams.
    pub unknown_events: bool,
}

impl Default for AnthropicFakeConfig {
    fn default() -> Self {
        Self {
            api_key: "sk-ant-fake-0000000000000000000000000000000000000000".into(),
            context_window: 200_000,
            min_cache_tokens: 1024,
            chunk_size: None,
            unknown_events: false,
        }
    }
}

pub(crate) type AnthropicShared = Shared<AnthropicFakeConfig>;

/// A running fake. Dropping it stops the server.
pub struct AnthropicFake {
    shared: Arc<AnthropicShared>,
    server: crate::server::Server,
}

impl AnthropicFake {
    /// Serves on 127.0.0.1 at a free port.
    ///
    /// # Errors
    /// When no loopback port can be bound.
    pub async fn start(config: AnthropicFakeConfig) -> std::io::Result<Self> {
        let chunk_size = config.chunk_size;
        let shared = Arc::new(Shared {
            config,
            log: Mutex::new(Log {
                chunk_size,
                ..Log::default()
            }),
        });
        let app = Router::new()
            .route("/v1/messages", post(messages))
            .with_state(shared.clone());
        Ok(Self {
            shared,
            server: crate::server::Server::start(app).await?,
        })
    }

    /// `http://127.0.0.1:PORT`: what `FLOWSENSE_AI_BASE_URL` (or an SDK's base URL) is set to.
    #[must_use]
    pub fn base_url(&self) -> String {
        self.server.origin()
    }

    #[must_use]
    pub fn config(&self) -> &AnthropicFakeConfig {
        &self.shared.config
    }

    /// Queues what the next request gets instead of the default model's answer (in order).
    pub fn script(&self, script: Script) {
        self.shared.lock().scripts.push_back(script);
    }

    /// Cuts streamed answers every `bytes` bytes from now on (`None`: one chunk).
    pub fn set_chunk_size(&self, bytes: Option<usize>) {
        self.shared.lock().chunk_size = bytes;
    }

    /// Every request received so far, oldest first.
    #[must_use]
    pub fn received(&self) -> Vec<Received> {
        self.shared.lock().received.clone()
    }
}

/// An `invalid_request_error` for a body the API would refuse.
fn invalid(message: &str) -> Result<(), (u16, String)> {
    Err((400, message.to_owned()))
}

/// Checks the fields every request needs (model, max_tokens, alternating messages from user).
fn validate(body: &Value) -> Result<(), (u16, String)> {
    if !body["model"].is_string() {
        return invalid("model: Field required");
    }
    if body["max_tokens"].as_u64().is_none_or(|n| n == 0) {
        return invalid("max_tokens: Field required");
    }
    let Some(messages) = body["messages"].as_array().filter(|m| !m.is_empty()) else {
        return invalid("messages: at least one message is required");
    };
    if messages[0]["role"] != "user" {
        return invalid("messages: first message must use the \"user\" role");
    }
    if messages.last().is_some_and(|m| m["role"] != "user") {
        return invalid("messages: the final message must use the \"user\" role");
    }
    if messages.windows(2).any(|w| w[0]["role"] == w[1]["role"]) {
        return invalid("messages: roles must alternate between \"user\" and \"assistant\"");
    }
    Ok(())
}

fn text_of(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(blocks) => blocks
            .iter()
            .filter_map(|b| b["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// The conversation and tools, from the Messages API's JSON.
fn conversation(body: &Value) -> (Vec<Tool>, Vec<Turn>) {
    let tools = body["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| Tool {
            name: t["name"].as_str().unwrap_or_default().to_owned(),
            description: t["description"].as_str().unwrap_or_default().to_owned(),
            schema: t["input_schema"].clone(),
        })
        .collect();
    let turns = body["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            let parts = match &m["content"] {
                Value::String(s) => vec![Part::Text(s.clone())],
                Value::Array(blocks) => blocks
                    .iter()
                    .filter_map(|b| match b["type"].as_str() {
                        Some("text") => Some(Part::Text(b["text"].as_str()?.to_owned())),
                        Some("tool_use") => Some(Part::Call {
                            id: b["id"].as_str()?.to_owned(),
                            name: b["name"].as_str()?.to_owned(),
                        }),
                        Some("tool_result") => Some(Part::Result {
                            id: b["tool_use_id"].as_str()?.to_owned(),
                            content: text_of(&b["content"]),
                        }),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            Turn {
                assistant: m["role"] == "assistant",
                parts,
            }
        })
        .collect();
    (tools, turns)
}

/// Prompt-caching arithmetic: the prefix up to the last `cache_control` mark (tools, then
/// system) is written on first sight and read after, if it is long enough.
fn cache_split(shared: &AnthropicShared, body: &Value) -> (u64, u64) {
    let marked = |v: &Value| {
        v.as_array()
            .is_some_and(|a| a.iter().any(|b| b.get("cache_control").is_some()))
    };
    if !marked(&body["tools"]) && !marked(&body["system"]) {
        return (0, 0);
    }
    let prefix = format!("{}{}", body["tools"], body["system"]);
    let size = tokens(prefix.len());
    if size < shared.config.min_cache_tokens {
        return (0, 0);
    }
    let mut log = shared.lock();
    if log.cached_prefixes.contains(&prefix) {
        (size, 0)
    } else {
        log.cached_prefixes.push(prefix);
        (0, size)
    }
}

async fn messages(
    State(shared): State<Arc<AnthropicShared>>,
    headers: HeaderMap,
    raw: Bytes,
) -> Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let version = header("anthropic-version");
    let key_accepted = header("x-api-key").is_some_and(|k| k == shared.config.api_key);
    let body: Value = serde_json::from_slice(&raw).unwrap_or(Value::Null);
    let stream = body["stream"].as_bool().unwrap_or(false);
    let outcome = if version.is_none() {
        Err((400, "anthropic-version: header is required".to_owned()))
    } else if !key_accepted {
        Err((401, "invalid x-api-key".to_owned()))
    } else if body.is_null() {
        Err((400, "The request body is not valid JSON".to_owned()))
    } else {
        validate(&body)
    };
    let response = match outcome {
        Err((status, message)) => render::error(status, &message, &[]),
        Ok(()) => answer(&shared, &body, raw.len(), stream),
    };
    shared.lock().received.push(Received {
        path: "/v1/messages".into(),
        version,
        key_accepted,
        body,
        status: response.status().as_u16(),
    });
    response
}

/// A valid request's answer: the next script's, or the default model's.
fn answer(shared: &AnthropicShared, body: &Value, size: usize, stream: bool) -> Response {
    let total = tokens(size);
    if total > shared.config.context_window {
        return render::error(
            400,
            &format!(
                "prompt is too long: {total} tokens > {} maximum",
                shared.config.context_window
            ),
            &[],
        );
    }
    let (cache_read, cache_write) = cache_split(shared, body);
    let usage = render::InputUsage {
        input: total.saturating_sub(cache_read + cache_write),
        cache_read,
        cache_write,
    };
    let script = shared.lock().scripts.pop_front();
    let (tools, turns) = conversation(body);
    let max_tokens = body["max_tokens"].as_u64().unwrap_or(1);
    render::respond(
        shared, script, &tools, &turns, max_tokens, usage, body, stream,
    )
}

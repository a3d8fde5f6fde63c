//! A local OpenAI-compatible chat completions server (APIS.md §5), as Ollama or vLLM serve
//! it: `POST /v1/chat/completions`, an optional bearer key, tools as functions with
//! `tool_calls` whose `arguments` are a JSON string, and streamed `data:` chunks ending with
//! `data: [DONE]` (tool call arguments split across chunks, usage in a last chunk when
//! `stream_options.include_usage` asks). The same default model and [`Script`]s as the
//! Anthropic fake.

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
pub struct OpenAiFakeConfig {
    /// The bearer key required; `None` accepts any or none (as Ollama does).
    pub api_key: Option<String>,
    /// Prompts of more tokens are refused (`context_length_exceeded`).
    pub context_window: u64,
    /// Cut streamed answers every this many bytes (`None`: one chunk).
    pub chunk_size: Option<usize>,
}

impl Default for OpenAiFakeConfig {
    fn default() -> Self {
        Self {
            api_key: None,
            context_window: 128_000,
            chunk_size: None,
        }
    }
}

pub(crate) type OpenAiShared = Shared<OpenAiFakeConfig>;

/// A running fake. Dropping it stops the server.
pub struct OpenAiFake {
    shared: Arc<OpenAiShared>,
    server: crate::server::Server,
}

impl OpenAiFake {
    /// Serves on 127.0.0.1 at a free port.
    ///
    /// # Errors
    /// When no loopback port can be bound.
    pub async fn start(config: OpenAiFakeConfig) -> std::io::Result<Self> {
        let chunk_size = config.chunk_size;
        let shared = Arc::new(Shared {
            config,
            log: Mutex::new(Log {
                chunk_size,
                ..Log::default()
            }),
        });
        let app = Router::new()
            .route("/v1/chat/completions", post(completions))
            .with_state(shared.clone());
        Ok(Self {
            shared,
            server: crate::server::Server::start(app).await?,
        })
    }

    /// `http://127.0.0.1:PORT/v1`, written as Ollama's base URL usually is.
    #[must_use]
    pub fn base_url(&self) -> String {
        format!("{}/v1", self.server.origin())
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

/// Tools and turns from chat completions JSON: `tool` messages become results in a user turn.
fn conversation(body: &Value) -> (Vec<Tool>, Vec<Turn>) {
    let tools = body["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| Tool {
            name: t["function"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            description: t["function"]["description"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            schema: t["function"]["parameters"].clone(),
        })
        .collect();
    let mut turns: Vec<Turn> = Vec::new();
    for m in body["messages"].as_array().into_iter().flatten() {
        let (assistant, parts) = match m["role"].as_str() {
            Some("assistant") => {
                let mut parts = Vec::new();
                if let Some(t) = m["content"].as_str() {
                    parts.push(Part::Text(t.to_owned()));
                }
                for c in m["tool_calls"].as_array().into_iter().flatten() {
                    parts.push(Part::Call {
                        id: c["id"].as_str().unwrap_or_default().to_owned(),
                        name: c["function"]["name"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                    });
                }
                (true, parts)
            }
            Some("tool") => (
                false,
                vec![Part::Result {
                    id: m["tool_call_id"].as_str().unwrap_or_default().to_owned(),
                    content: m["content"].as_str().unwrap_or_default().to_owned(),
                }],
            ),
            Some("user") => (
                false,
                vec![Part::Text(
                    m["content"].as_str().unwrap_or_default().to_owned(),
                )],
            ),
            _ => continue,
        };
        match turns.last_mut() {
            Some(last) if last.assistant == assistant => last.parts.extend(parts),
            _ => turns.push(Turn { assistant, parts }),
        }
    }
    (tools, turns)
}

async fn completions(
    State(shared): State<Arc<OpenAiShared>>,
    headers: HeaderMap,
    raw: Bytes,
) -> Response {
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let key_accepted = shared
        .config
        .api_key
        .as_deref()
        .is_none_or(|k| bearer == Some(k));
    let body: Value = serde_json::from_slice(&raw).unwrap_or(Value::Null);
    let total = tokens(raw.len());
    let response = if !key_accepted {
        render::error(
            401,
            "Incorrect API key provided.",
            Some("invalid_api_key"),
            &[],
        )
    } else if body.is_null() {
        render::error(
            400,
            "We could not parse the JSON body of your request.",
            None,
            &[],
        )
    } else if !body["model"].is_string() {
        render::error(400, "you must provide a model parameter", None, &[])
    } else if body["messages"].as_array().is_none_or(Vec::is_empty) {
        render::error(
            400,
            "'messages' must contain at least one message",
            None,
            &[],
        )
    } else if total > shared.config.context_window {
        render::error(
            400,
            &format!(
                "This model's maximum context length is {} tokens. However, your messages resulted in {total} tokens.",
                shared.config.context_window
            ),
            Some("context_length_exceeded"),
            &[],
        )
    } else {
        let script = shared.lock().scripts.pop_front();
        let (tools, turns) = conversation(&body);
        render::respond(&shared, script, &tools, &turns, &body, total)
    };
    shared.lock().received.push(Received {
        path: "/v1/chat/completions".into(),
        version: None,
        key_accepted,
        body,
        status: response.status().as_u16(),
    });
    response
}

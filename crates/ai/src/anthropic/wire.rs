//! The Messages API's JSON (APIS.md §4.1–4.2, §4.4–4.5): the request built from a
//! [`ChatRequest`] with prompt-caching breakpoints on the last tool and the last system block,
//! the answer read back into a [`ChatResponse`], and error bodies into [`AiError`]s.

use crate::chat::{Block, ChatRequest, ChatResponse, Role, StopReason, Usage};
use crate::error::{AiError, safe_kind};
use crate::retry::RetryHint;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Serialize)]
struct CacheControl {
    r#type: &'static str,
}

const EPHEMERAL: Option<CacheControl> = Some(CacheControl {
    r#type: "ephemeral",
});

#[derive(Serialize)]
struct SystemBlock<'a> {
    r#type: &'static str,
    text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    cache_control: Option<CacheControl>,
}

#[derive(Serialize)]
struct Tool<'a> {
    name: &'a str,
    description: &'a str,
    input_schema: &'a Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    cache_control: Option<CacheControl>,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum OutBlock<'a> {
    Text {
        text: &'a str,
    },
    ToolUse {
        id: &'a str,
        name: &'a str,
        input: &'a Value,
    },
    ToolResult {
        tool_use_id: &'a str,
        content: &'a str,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        is_error: bool,
    },
}

#[derive(Serialize)]
struct OutMessage<'a> {
    role: &'static str,
    content: Vec<OutBlock<'a>>,
}

#[derive(Serialize)]
struct Request<'a> {
    model: &'a str,
    max_tokens: u32,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    system: Vec<SystemBlock<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tools: Vec<Tool<'a>>,
    messages: Vec<OutMessage<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f32>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    stream: bool,
}

fn out_block(b: &Block) -> Option<OutBlock<'_>> {
    Some(match b {
        // The API refuses empty text blocks.
        Block::Text(t) if t.is_empty() => return None,
        Block::Text(text) => OutBlock::Text { text },
        Block::ToolUse { id, name, input } => OutBlock::ToolUse { id, name, input },
        Block::ToolResult {
            tool_use_id,
            content,
            is_error,
        } => OutBlock::ToolResult {
            tool_use_id,
            content,
            is_error: *is_error,
        },
    })
}

/// The request body. Tool results go first in their turn, as the API requires.
pub(crate) fn request_body(model: &str, r: &ChatRequest, stream: bool) -> Vec<u8> {
    let last_system = r.system.len().checked_sub(1);
    let last_tool = r.tools.len().checked_sub(1);
    let body = Request {
        model,
        max_tokens: r.max_tokens,
        system: r
            .system
            .iter()
            .enumerate()
            .map(|(i, text)| SystemBlock {
                r#type: "text",
                text,
                cache_control: if Some(i) == last_system {
                    EPHEMERAL
                } else {
                    None
                },
            })
            .collect(),
        tools: r
            .tools
            .iter()
            .enumerate()
            .map(|(i, t)| Tool {
                name: &t.name,
                description: &t.description,
                input_schema: &t.input_schema,
                cache_control: if Some(i) == last_tool {
                    EPHEMERAL
                } else {
                    None
                },
            })
            .collect(),
        messages: r
            .messages
            .iter()
            .map(|m| {
                let (results, rest): (Vec<&Block>, Vec<&Block>) = m
                    .content
                    .iter()
                    .partition(|b| matches!(b, Block::ToolResult { .. }));
                OutMessage {
                    role: match m.role {
                        Role::User => "user",
                        Role::Assistant => "assistant",
                    },
                    content: results
                        .into_iter()
                        .chain(rest)
                        .filter_map(out_block)
                        .collect(),
                }
            })
            .collect(),
        temperature: r.temperature,
        stream,
    };
    // Serialising these types cannot fail (string keys, no maps of other keys).
    serde_json::to_vec(&body).unwrap_or_default()
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum InBlock {
    Text {
        text: String,
    },
    ToolUse {
        id: String,
        name: String,
        #[serde(default)]
        input: Value,
    },
    /// Thinking, server tools and whatever comes next: not for this client.
    #[serde(other)]
    Other,
}

#[derive(Deserialize, Default, Clone, Copy)]
pub(crate) struct InUsage {
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    pub cache_creation_input_tokens: Option<u64>,
    pub cache_read_input_tokens: Option<u64>,
}

impl InUsage {
    /// `usage` with the counts this one has laid over it (a stream's usage is cumulative).
    pub(crate) fn over(&self, usage: Usage) -> Usage {
        Usage {
            input_tokens: self.input_tokens.unwrap_or(usage.input_tokens),
            output_tokens: self.output_tokens.unwrap_or(usage.output_tokens),
            cache_read_tokens: self
                .cache_read_input_tokens
                .unwrap_or(usage.cache_read_tokens),
            cache_write_tokens: self
                .cache_creation_input_tokens
                .unwrap_or(usage.cache_write_tokens),
        }
    }
}

#[derive(Deserialize)]
struct Response {
    model: String,
    content: Vec<InBlock>,
    stop_reason: Option<String>,
    usage: InUsage,
}

pub(crate) fn stop_reason(s: &str) -> StopReason {
    match s {
        "end_turn" => StopReason::EndTurn,
        "tool_use" => StopReason::ToolUse,
        "max_tokens" => StopReason::MaxTokens,
        "stop_sequence" => StopReason::StopSequence,
        "pause_turn" => StopReason::PauseTurn,
        "refusal" => StopReason::Refusal,
        "model_context_window_exceeded" => StopReason::ContextWindowExceeded,
        other => StopReason::Other(safe_kind(other)),
    }
}

/// A tool call's input, which must be a JSON object.
pub(crate) fn tool_input(input: Value) -> Result<Value, AiError> {
    match input {
        Value::Object(_) => Ok(input),
        _ => Err(AiError::MalformedAnswer(
            "a tool call's input is not an object",
        )),
    }
}

/// Reads a whole answer.
pub(crate) fn parse_response(body: &[u8]) -> Result<ChatResponse, AiError> {
    let r: Response = serde_json::from_slice(body)
        .map_err(|_| AiError::MalformedAnswer("the answer is not a Messages API message"))?;
    let mut content = Vec::with_capacity(r.content.len());
    for block in r.content {
        match block {
            InBlock::Text { text } => content.push(Block::Text(text)),
            InBlock::ToolUse { id, name, input } => content.push(Block::ToolUse {
                id,
                name,
                input: tool_input(input)?,
            }),
            InBlock::Other => {}
        }
    }
    let stop = r
        .stop_reason
        .as_deref()
        .map(stop_reason)
        .ok_or(AiError::MalformedAnswer("the answer has no stop reason"))?;
    Ok(ChatResponse {
        content,
        stop,
        usage: r.usage.over(Usage::default()),
        model: r.model,
    })
}

#[derive(Deserialize)]
pub(crate) struct ErrorDetail {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub message: String,
}

#[derive(Deserialize)]
pub(crate) struct ErrorBody {
    pub error: ErrorDetail,
}

/// Whether an `invalid_request_error` says the prompt is over the context window (the
/// message is only looked at, never kept).
pub(crate) fn says_too_long(detail: &ErrorDetail) -> bool {
    let m = detail.message.to_ascii_lowercase();
    m.contains("prompt is too long") || m.contains("context window")
}

/// A refused answer as an error (APIS.md §4.4's status table).
pub(crate) fn classify(status: u16, body: &[u8], hint: &RetryHint) -> AiError {
    let detail = serde_json::from_slice::<ErrorBody>(body)
        .ok()
        .map(|b| b.error);
    let kind = detail.as_ref().map_or("", |d| d.kind.as_str());
    match status {
        401 | 403 => AiError::Auth { status },
        429 => AiError::RateLimited {
            retry_after: hint.after,
        },
        529 => AiError::Overloaded,
        408 | 504 => AiError::Timeout,
        400 if detail.as_ref().is_some_and(says_too_long) => AiError::ContextTooLong,
        s if s >= 500 && kind == "overloaded_error" => AiError::Overloaded,
        s if s >= 500 => AiError::Unavailable(format!("HTTP {s}")),
        s => AiError::BadRequest {
            status: s,
            kind: safe_kind(kind),
        },
    }
}

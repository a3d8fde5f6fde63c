//! The provider-neutral conversation: what is asked ([`ChatRequest`]), what comes back
//! ([`ChatResponse`], or a [`ChatStream`] of [`StreamEvent`]s), and the [`ChatModel`] trait each
//! provider implements. Tool use is modelled on the Messages API: the model answers with
//! [`Block::ToolUse`], the caller runs the tool and sends a [`Block::ToolResult`] back in the
//! next user turn.

use crate::error::AiError;
use futures_util::future::BoxFuture;
use futures_util::stream::{BoxStream, StreamExt};
use serde_json::Value;

/// Who said a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    User,
    Assistant,
}

/// One piece of a turn.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Text(String),
    /// The model asks for a tool to run with `input` (a JSON object matching its schema).
    ToolUse {
        id: String,
        name: String,
        input: Value,
    },
    /// The answer to the [`Block::ToolUse`] with this id (sent in a user turn).
    ToolResult {
        tool_use_id: String,
        content: String,
        is_error: bool,
    },
}

/// One turn of the conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub role: Role,
    pub content: Vec<Block>,
}

impl Message {
    /// A user turn of plain text.
    #[must_use]
    pub fn user(text: impl Into<String>) -> Self {
        Self {
            role: Role::User,
            content: vec![Block::Text(text.into())],
        }
    }

    /// The assistant turn a response was, to send back with the tool results that follow it.
    #[must_use]
    pub fn assistant(content: Vec<Block>) -> Self {
        Self {
            role: Role::Assistant,
            content,
        }
    }
}

/// A tool the model may call.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolSpec {
    pub name: String,
    pub description: String,
    /// A JSON Schema object (`{"type":"object","properties":{…},"required":[…]}`).
    pub input_schema: Value,
}

/// One call to the model.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatRequest {
    /// Fixed instructions, in order; the last one closes the cacheable prefix.
    pub system: Vec<String>,
    pub tools: Vec<ToolSpec>,
    /// Starts with a user turn; roles alternate.
    pub messages: Vec<Message>,
    pub max_tokens: u32,
    /// 0 to 1; `None` leaves the provider's default.
    pub temperature: Option<f32>,
}

impl ChatRequest {
    /// A request with no system text or tools.
    #[must_use]
    pub fn new(messages: Vec<Message>, max_tokens: u32) -> Self {
        Self {
            system: Vec::new(),
            tools: Vec::new(),
            messages,
            max_tokens,
            temperature: None,
        }
    }
}

/// Why the model stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReason {
    /// It finished its answer.
    EndTurn,
    /// It wants the tool calls in its content run.
    ToolUse,
    /// `max_tokens` cut it off.
    MaxTokens,
    StopSequence,
    /// A long-running turn paused; send the content back to continue it.
    PauseTurn,
    /// It declined to answer.
    Refusal,
    /// The conversation no longer fits the model's context window.
    ContextWindowExceeded,
    /// A reason this client does not know yet.
    Other(String),
}

/// Tokens one call cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// Input tokens not read from or written to the prompt cache.
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// Input tokens read from the prompt cache.
    pub cache_read_tokens: u64,
    /// Input tokens written to the prompt cache.
    pub cache_write_tokens: u64,
}

impl Usage {
    /// Every input token, cached or not.
    #[must_use]
    pub fn total_input(&self) -> u64 {
        self.input_tokens + self.cache_read_tokens + self.cache_write_tokens
    }
}

/// A whole answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatResponse {
    pub content: Vec<Block>,
    pub stop: StopReason,
    pub usage: Usage,
    /// The model that answered, as the provider names it.
    pub model: String,
}

impl ChatResponse {
    /// The text blocks, joined.
    #[must_use]
    pub fn text(&self) -> String {
        self.content
            .iter()
            .filter_map(|b| match b {
                Block::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .collect()
    }

    /// The tool calls asked for, in order.
    pub fn tool_calls(&self) -> impl Iterator<Item = (&str, &str, &Value)> {
        self.content.iter().filter_map(|b| match b {
            Block::ToolUse { id, name, input } => Some((id.as_str(), name.as_str(), input)),
            _ => None,
        })
    }
}

/// What a streamed answer is made of, in order: text as it comes, each tool call once its
/// input is complete, then the usage and the stop reason (always last).
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    /// The model that answers (first, when the provider says).
    Model(String),
    TextDelta(String),
    ToolCall {
        id: String,
        name: String,
        input: Value,
    },
    Usage(Usage),
    Stop(StopReason),
}

/// A streamed answer. It ends after [`StreamEvent::Stop`], or with an error.
pub type ChatStream = BoxStream<'static, Result<StreamEvent, AiError>>;

/// Who answers, for the trust page and the record of each call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelInfo {
    /// `anthropic` or `openai-compatible`.
    pub provider: &'static str,
    pub model: String,
    /// The host the calls go to.
    pub host: String,
}

/// A language model that chats and calls tools.
pub trait ChatModel: Send + Sync {
    fn info(&self) -> ModelInfo;

    /// Asks and waits for the whole answer (retrying what the provider says is worth it).
    fn complete<'a>(
        &'a self,
        request: &'a ChatRequest,
    ) -> BoxFuture<'a, Result<ChatResponse, AiError>>;

    /// Asks and streams the answer. Retries happen only before the first byte of the answer.
    fn stream<'a>(&'a self, request: &'a ChatRequest)
    -> BoxFuture<'a, Result<ChatStream, AiError>>;
}

/// Reads a stream to its end into the answer it spelled out.
///
/// # Errors
/// The stream's error, or [`AiError::MalformedAnswer`] when it ends without a stop reason.
pub async fn collect_stream(mut stream: ChatStream) -> Result<ChatResponse, AiError> {
    let mut content = Vec::new();
    let mut usage = Usage::default();
    let mut model = String::new();
    while let Some(event) = stream.next().await {
        match event? {
            StreamEvent::Model(m) => model = m,
            StreamEvent::TextDelta(t) => match content.last_mut() {
                Some(Block::Text(text)) => text.push_str(&t),
                _ => content.push(Block::Text(t)),
            },
            StreamEvent::ToolCall { id, name, input } => {
                content.push(Block::ToolUse { id, name, input });
            }
            StreamEvent::Usage(u) => usage = u,
            StreamEvent::Stop(stop) => {
                return Ok(ChatResponse {
                    content,
                    stop,
                    usage,
                    model,
                });
            }
        }
    }
    Err(AiError::MalformedAnswer(
        "the stream ended without a stop reason",
    ))
}

//! What the two model fakes share: the conversation as both wire formats carry it, the
//! deterministic default model ([`brain`]), the scripts a test queues instead, token counts,
//! the record of what was received, and the server plumbing.

pub(crate) mod brain;

use axum::body::Body;
use bytes::Bytes;
use serde_json::Value;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::{Mutex, MutexGuard};

/// A tool offered to the model.
#[derive(Debug, Clone)]
pub(crate) struct Tool {
    pub name: String,
    pub description: String,
    pub schema: Value,
}

/// A piece of a turn.
#[derive(Debug, Clone)]
pub(crate) enum Part {
    Text(String),
    Call { id: String, name: String },
    Result { id: String, content: String },
}

/// A turn of the conversation.
#[derive(Debug, Clone)]
pub(crate) struct Turn {
    pub assistant: bool,
    pub parts: Vec<Part>,
}

/// Why the model stopped, in the Messages API's words (each fake translates).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stop {
    EndTurn,
    ToolUse,
    MaxTokens,
    /// Any other reason a script asked for, as the wire spells it.
    Other(String),
}

/// What the model answers: text, then at most one tool call.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub text: String,
    pub call: Option<(String, Value)>,
    pub stop: Stop,
}

/// What a test can make the next request get instead of the default model's answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Script {
    /// This text, with this stop reason as the Messages API spells it (`end_turn`,
    /// `refusal`, `model_context_window_exceeded`, …; the OpenAI fake maps it).
    Text { text: String, stop_reason: String },
    /// A call of this tool with this input.
    ToolCall { name: String, input: Value },
    /// An error answer with the provider's body for `status`, and these headers
    /// (`retry-after`, `retry-after-ms`, `x-should-retry`).
    Status {
        status: u16,
        headers: Vec<(String, String)>,
    },
    /// A 200 stream that sends some text, then an `error` event of this type (Anthropic) or an
    /// error chunk (OpenAI), and ends. Asked without streaming, the same error as a status.
    MidStreamError(String),
    /// A 200 whose JSON is broken (the body, or a stream event's data).
    MalformedJson,
    /// A 200 answer whose text is this many bytes long.
    Oversized(usize),
    /// A 200 that sends its first bytes and then nothing more, never ending.
    Stall,
}

impl Script {
    /// 429 with `retry-after: secs`.
    #[must_use]
    pub fn rate_limited(secs: u64) -> Self {
        Self::Status {
            status: 429,
            headers: vec![("retry-after".into(), secs.to_string())],
        }
    }
    /// 529 `overloaded_error`.
    #[must_use]
    pub fn overloaded() -> Self {
        Self::Status {
            status: 529,
            headers: Vec::new(),
        }
    }
    /// 500 `api_error`.
    #[must_use]
    pub fn server_error() -> Self {
        Self::Status {
            status: 500,
            headers: Vec::new(),
        }
    }
    /// A plain text answer that ends the turn.
    #[must_use]
    pub fn text(text: impl Into<String>) -> Self {
        Self::Text {
            text: text.into(),
            stop_reason: "end_turn".into(),
        }
    }
}

/// One request a fake received.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    pub path: String,
    /// `anthropic-version`, when sent.
    pub version: Option<String>,
    /// Whether the key was the right one (or none was needed).
    pub key_accepted: bool,
    /// The body as JSON (`Null` when it was not JSON).
    pub body: Value,
    pub status: u16,
}

impl Received {
    /// Whether the request asked for a stream.
    #[must_use]
    pub fn streamed(&self) -> bool {
        self.body["stream"].as_bool().unwrap_or(false)
    }
}

/// State both fakes keep.
#[derive(Default)]
pub(crate) struct Log {
    pub scripts: VecDeque<Script>,
    pub received: Vec<Received>,
    /// Prefixes already cached (Anthropic), by content.
    pub cached_prefixes: Vec<String>,
    pub chunk_size: Option<usize>,
    pub sequence: u64,
}

pub(crate) struct Shared<C> {
    pub config: C,
    pub log: Mutex<Log>,
}

impl<C> Shared<C> {
    pub fn lock(&self) -> MutexGuard<'_, Log> {
        self.log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The next id number, for message and call ids.
    pub fn next(&self) -> u64 {
        let mut log = self.lock();
        log.sequence += 1;
        log.sequence
    }
}

/// Tokens as the fakes count them: a quarter of the bytes, rounded up.
#[must_use]
pub(crate) fn tokens(bytes: usize) -> u64 {
    u64::try_from(bytes.div_ceil(4)).unwrap_or(u64::MAX)
}

/// Splits `text` into pieces of 1 to 7 bytes (never inside a character), the sizes varying
/// with `seed`, as a model's deltas do.
#[must_use]
pub(crate) fn fragments(text: &str, seed: u64) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    while !rest.is_empty() {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let mut cut = usize::try_from(state >> 61).unwrap_or(0) + 1;
        cut = cut.min(rest.len());
        while !rest.is_char_boundary(cut) {
            cut += 1;
        }
        let (piece, tail) = rest.split_at(cut);
        out.push(piece);
        rest = tail;
    }
    out
}

/// A streamed body: `text` as one chunk, or cut every `chunk` bytes (wherever that falls,
/// inside a character or a line included).
pub(crate) fn streamed_body(text: String, chunk: Option<usize>) -> Body {
    let bytes = Bytes::from(text);
    let chunks: Vec<Result<Bytes, Infallible>> = match chunk.filter(|c| *c > 0) {
        None => vec![Ok(bytes)],
        Some(size) => (0..bytes.len())
            .step_by(size)
            .map(|i| Ok(bytes.slice(i..(i + size).min(bytes.len()))))
            .collect(),
    };
    Body::from_stream(futures_util::stream::iter(chunks))
}

/// A body that sends `first` and then stalls forever (a hung upstream).
pub(crate) fn stalled_body(first: String) -> Body {
    use futures_util::StreamExt;
    let head = futures_util::stream::iter([Ok::<Bytes, Infallible>(Bytes::from(first))]);
    Body::from_stream(head.chain(futures_util::stream::pending()))
}

/// Text cut to at most `max_tokens` tokens (on a character boundary), and whether it was cut.
pub(crate) fn within_tokens(text: &str, max_tokens: u64) -> (String, bool) {
    let limit = usize::try_from(max_tokens.saturating_mul(4)).unwrap_or(usize::MAX);
    if text.len() <= limit {
        return (text.to_owned(), false);
    }
    let mut cut = limit;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    (text[..cut].to_owned(), true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_join_back_and_vary_in_size() {
        let text = "{\"period\":\"2026-06\",\"note\":\"caf\u{e9} \u{20ac}\"}";
        let parts = fragments(text, 7);
        assert_eq!(parts.concat(), text);
        assert!(parts.len() > 5);
        let sizes: std::collections::HashSet<usize> = parts.iter().map(|p| p.len()).collect();
        assert!(sizes.len() > 2, "{sizes:?}");
    }
}

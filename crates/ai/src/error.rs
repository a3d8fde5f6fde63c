//! What went wrong calling a model, by what the caller can do about it. No variant carries the
//! prompt, the answer's text or the API key: only statuses, the provider's error type names and
//! fixed descriptions, so an error can be logged whole.

use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum AiError {
    /// 401/403: the key is missing, wrong, revoked or not allowed this model.
    #[error("the AI provider refused the API key (HTTP {status})")]
    Auth { status: u16 },
    /// 429, still after the retries allowed (or told to wait longer than is worth it).
    #[error("the AI provider's rate limit was hit")]
    RateLimited { retry_after: Option<Duration> },
    /// 529 `overloaded_error`, still after the retries allowed.
    #[error("the AI provider is overloaded")]
    Overloaded,
    /// The provider refused the request as invalid; `kind` is its error type.
    #[error("the AI provider refused the request (HTTP {status}, {kind})")]
    BadRequest { status: u16, kind: String },
    /// The prompt does not fit the model's context window.
    #[error("the conversation is too long for the model's context window")]
    ContextTooLong,
    /// 5xx, or no connection, still after the retries allowed.
    #[error("the AI provider is unavailable ({0})")]
    Unavailable(String),
    /// No answer within the time allowed.
    #[error("the AI provider did not answer in time")]
    Timeout,
    /// The answer could not be read as the protocol says it should be.
    #[error("the AI provider's answer was malformed: {0}")]
    MalformedAnswer(&'static str),
    /// The answer was longer than this client accepts.
    #[error("the AI provider's answer exceeded {limit} bytes")]
    AnswerTooLarge { limit: usize },
    /// A setting the client cannot use (named, never shown).
    #[error("the AI client is misconfigured: {0}")]
    Config(&'static str),
    /// The configured base URL is not one this client may call.
    #[error(transparent)]
    Destination(#[from] flowsense_outbound::OutboundError),
}

impl AiError {
    /// The error a provider's error type name stands for (`rate_limit_error`,
    /// `overloaded_error`, …), as sent in an error body or a mid-stream `error` event.
    #[must_use]
    pub fn from_error_type(status: u16, kind: &str) -> Self {
        match kind {
            "authentication_error" | "permission_error" | "invalid_api_key" => Self::Auth {
                status: if status == 200 { 401 } else { status },
            },
            "rate_limit_error" | "rate_limit_exceeded" => Self::RateLimited { retry_after: None },
            "overloaded_error" => Self::Overloaded,
            "timeout_error" => Self::Timeout,
            "api_error" | "server_error" | "internal_server_error" => {
                Self::Unavailable(format!("HTTP {status}, {kind}"))
            }
            "context_length_exceeded" => Self::ContextTooLong,
            other => Self::BadRequest {
                status,
                kind: safe_kind(other),
            },
        }
    }
}

/// A provider's error type name, kept only if it looks like one (a short identifier).
#[must_use]
pub(crate) fn safe_kind(kind: &str) -> String {
    if !kind.is_empty()
        && kind.len() <= 64
        && kind
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
    {
        kind.to_owned()
    } else {
        "unknown_error".to_owned()
    }
}

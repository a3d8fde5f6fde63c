//! Claude over Anthropic's Messages API (APIS.md §4): `POST {base}/v1/messages` with
//! `x-api-key` and `anthropic-version: 2023-06-01`, tools, prompt caching of the fixed tool and
//! system blocks, streaming, and the official SDK's retry policy.

#[cfg(any(test, fuzzing))]
pub mod fuzz_checks;
mod stream;
mod wire;

use crate::chat::{ChatModel, ChatRequest, ChatResponse, ChatStream, ModelInfo};
use crate::error::AiError;
use crate::http::{Limits, Transport};
use crate::retry::RetryPolicy;
use flowsense_outbound::{Loopback, check_destination};
use futures_util::future::BoxFuture;
use reqwest::Url;
use reqwest::header::{HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

/// Anthropic's own API.
pub const DEFAULT_BASE_URL: &str = "https://api.anthropic.com";
/// The model used when the operator names none (APIS.md §4.6).
pub const DEFAULT_MODEL: &str = "claude-sonnet-4-6";
/// The one stable API version.
pub const API_VERSION: &str = "2023-06-01";

/// How to reach Claude.
#[derive(Debug, Clone)]
pub struct AnthropicConfig {
    pub api_key: SecretString,
    pub model: String,
    /// The origin (and optional path prefix) `/v1/messages` is appended to.
    pub base_url: Url,
    /// [`Loopback::Allowed`] only for tests and the sandbox (the local fake).
    pub loopback: Loopback,
    pub retry: RetryPolicy,
    pub limits: Limits,
}

impl AnthropicConfig {
    /// Anthropic's API with `model`, the SDK's retries and the default limits.
    ///
    /// # Panics
    /// Never: the default base URL is a constant that parses.
    #[must_use]
    pub fn new(api_key: SecretString, model: impl Into<String>) -> Self {
        Self {
            api_key,
            model: model.into(),
            #[expect(clippy::unwrap_used, reason = "a constant URL")]
            base_url: Url::parse(DEFAULT_BASE_URL).unwrap(),
            loopback: Loopback::Refused,
            retry: RetryPolicy::default(),
            limits: Limits::default(),
        }
    }
}

/// A Messages API client.
pub struct Anthropic {
    transport: Transport,
    url: Url,
    headers: HeaderMap,
    model: String,
}

impl std::fmt::Debug for Anthropic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Anthropic")
            .field("url", &self.url.as_str())
            .field("model", &self.model)
            .finish_non_exhaustive()
    }
}

/// `{base}/v1/messages`, keeping any path prefix of the base.
pub(crate) fn endpoint(base: &Url, path: &str) -> Result<Url, AiError> {
    let joined = format!("{}{path}", base.as_str().trim_end_matches('/'));
    let url = Url::parse(&joined).map_err(|_| AiError::Config("the base URL"))?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(AiError::Config("the base URL"));
    }
    Ok(url)
}

impl Anthropic {
    /// # Errors
    /// A base URL the outbound policy refuses, or a key that cannot be a header.
    pub fn new(config: AnthropicConfig) -> Result<Self, AiError> {
        check_destination(&config.base_url, config.loopback)?;
        let url = endpoint(&config.base_url, "/v1/messages")?;
        let mut key = HeaderValue::from_str(config.api_key.expose_secret().trim())
            .map_err(|_| AiError::Config("the API key"))?;
        key.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert("x-api-key", key);
        headers.insert("anthropic-version", HeaderValue::from_static(API_VERSION));
        let transport = Transport::new(
            "anthropic",
            config.loopback == Loopback::Allowed,
            config.retry,
            config.limits,
            &url,
        )?;
        Ok(Self {
            transport,
            url,
            headers,
            model: config.model,
        })
    }

    /// The same client with another circuit breaker policy (the default opens after five
    /// calls in a row find the provider unavailable, for 30 s).
    #[must_use]
    pub fn with_breaker(mut self, policy: flowsense_outbound::BreakerPolicy) -> Self {
        self.transport = self.transport.with_breaker(policy);
        self
    }
}

impl ChatModel for Anthropic {
    fn info(&self) -> ModelInfo {
        ModelInfo {
            provider: "anthropic",
            model: self.model.clone(),
            host: self.url.host_str().unwrap_or_default().to_owned(),
        }
    }

    fn complete<'a>(
        &'a self,
        request: &'a ChatRequest,
    ) -> BoxFuture<'a, Result<ChatResponse, AiError>> {
        Box::pin(async move {
            let body = wire::request_body(&self.model, request, false);
            let answer = self
                .transport
                .post(&self.url, &self.headers, &body, wire::classify)
                .await?;
            wire::parse_response(&answer)
        })
    }

    fn stream<'a>(
        &'a self,
        request: &'a ChatRequest,
    ) -> BoxFuture<'a, Result<ChatStream, AiError>> {
        Box::pin(async move {
            let body = wire::request_body(&self.model, request, true);
            let response = self
                .transport
                .post_for_stream(&self.url, &self.headers, &body, wire::classify)
                .await?;
            Ok(crate::sse::decode_response(
                response,
                self.transport.policy.stream_idle_timeout,
                self.transport.limits.max_stream_bytes,
                stream::MessagesDecoder::default(),
            ))
        })
    }
}

#[cfg(test)]
mod tests;

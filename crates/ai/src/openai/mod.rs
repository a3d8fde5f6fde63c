//! Any OpenAI-compatible chat completions server (APIS.md §5): Ollama, vLLM, llama.cpp's
//! server, or a hosted one. `POST {base}/v1/chat/completions` (or `{base}/chat/completions`
//! when the base already ends in `/v1`, as Ollama's is usually written), with an optional
//! bearer key, tools as functions, and streamed `data:` chunks.

mod stream;
mod wire;

use crate::chat::{ChatModel, ChatRequest, ChatResponse, ChatStream, ModelInfo};
use crate::error::AiError;
use crate::http::{Limits, Transport};
use crate::retry::RetryPolicy;
use flowsense_outbound::{Loopback, check_destination, check_self_hosted_destination};
use futures_util::future::BoxFuture;
use reqwest::Url;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

/// Which servers the client may reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// A public host over HTTPS only.
    Public,
    /// Also a server the operator runs: loopback and private addresses, over plain HTTP to
    /// those (and to single-label host names such as a container's).
    SelfHosted,
}

/// How to reach the server.
#[derive(Debug, Clone)]
pub struct OpenAiConfig {
    pub base_url: Url,
    /// Sent as `Authorization: Bearer`; many local servers need none.
    pub api_key: Option<SecretString>,
    pub model: String,
    pub reach: Reach,
    pub retry: RetryPolicy,
    pub limits: Limits,
}

impl OpenAiConfig {
    #[must_use]
    pub fn new(base_url: Url, model: impl Into<String>, reach: Reach) -> Self {
        Self {
            base_url,
            api_key: None,
            model: model.into(),
            reach,
            retry: RetryPolicy::default(),
            limits: Limits::default(),
        }
    }
}

/// A chat completions client.
pub struct OpenAiCompatible {
    transport: Transport,
    url: Url,
    headers: HeaderMap,
    model: String,
}

impl std::fmt::Debug for OpenAiCompatible {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiCompatible")
            .field("url", &self.url.as_str())
            .field("model", &self.model)
            .finish_non_exhaustive()
    }
}

impl OpenAiCompatible {
    /// # Errors
    /// A base URL the reach refuses, or a key that cannot be a header.
    pub fn new(config: OpenAiConfig) -> Result<Self, AiError> {
        match config.reach {
            Reach::Public => check_destination(&config.base_url, Loopback::Refused)?,
            Reach::SelfHosted => check_self_hosted_destination(&config.base_url)?,
        }
        let path = if config
            .base_url
            .path()
            .trim_end_matches('/')
            .ends_with("/v1")
        {
            "/chat/completions"
        } else {
            "/v1/chat/completions"
        };
        let url = crate::anthropic::endpoint(&config.base_url, path)?;
        let mut headers = HeaderMap::new();
        if let Some(key) = &config.api_key {
            let mut value =
                HeaderValue::from_str(&format!("Bearer {}", key.expose_secret().trim()))
                    .map_err(|_| AiError::Config("the API key"))?;
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }
        let transport = Transport::new(
            "openai-compatible",
            url.scheme() == "http",
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
}

impl ChatModel for OpenAiCompatible {
    fn info(&self) -> ModelInfo {
        ModelInfo {
            provider: "openai-compatible",
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
                stream::CompletionsDecoder::default(),
            ))
        })
    }
}

//! The one way the model clients reach the network: a `crates/outbound` client, a JSON POST
//! retried as [`RetryPolicy`] says, answers read up to a size limit, and streamed answers
//! handed over once their status is known good. The client reaches the endpoint's host and no
//! other (the outbound allow-list, checklist I8), and a circuit breaker makes calls fail at once
//! for a cool-down after repeated unavailability (H7).

use crate::error::AiError;
use crate::retry::{RetryHint, RetryPolicy};
use flowsense_outbound::{AllowList, Breaker, BreakerPolicy, Gate};
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{Response, Url};

/// How much of an answer is read before it is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// A whole (non-streamed) answer.
    pub max_answer_bytes: usize,
    /// Everything a streamed answer sends.
    pub max_stream_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_answer_bytes: 4 << 20,
            max_stream_bytes: 8 << 20,
        }
    }
}

/// The most of an error body read to classify it.
const MAX_ERROR_BODY: usize = 64 << 10;

/// How a provider turns a refused answer (status, body, retry headers) into an error.
pub(crate) type Classify = fn(status: u16, body: &[u8], hint: &RetryHint) -> AiError;

pub(crate) struct Transport {
    client: reqwest::Client,
    pub policy: RetryPolicy,
    pub limits: Limits,
    provider: &'static str,
    breaker: Breaker,
}

/// One failed attempt, and whether another is worth it.
struct Failure {
    error: AiError,
    retry: bool,
    hint: RetryHint,
}

impl From<AiError> for Failure {
    fn from(error: AiError) -> Self {
        Failure {
            error,
            retry: false,
            hint: RetryHint::default(),
        }
    }
}

impl Transport {
    /// `plain_http` lets `http://` through (a loopback fake, or a self-hosted server); the
    /// caller has checked the destination.
    /// The client reaches `endpoint`'s host only.
    pub fn new(
        provider: &'static str,
        plain_http: bool,
        policy: RetryPolicy,
        limits: Limits,
        endpoint: &Url,
    ) -> Result<Self, AiError> {
        let client =
            flowsense_outbound::partner_client_builder(false, &AllowList::from_urls([endpoint]))?
                .https_only(!plain_http)
                .build()
                .map_err(|_| AiError::Config("the HTTP client"))?;
        Ok(Self {
            client,
            policy,
            limits,
            provider,
            breaker: Breaker::new(BreakerPolicy::default()),
        })
    }

    /// The same transport with another circuit breaker policy.
    pub fn with_breaker(mut self, policy: BreakerPolicy) -> Self {
        self.breaker = Breaker::new(policy);
        self
    }

    /// POSTs `body` (JSON) and reads the whole answer.
    pub async fn post(
        &self,
        url: &Url,
        headers: &HeaderMap,
        body: &[u8],
        classify: Classify,
    ) -> Result<Vec<u8>, AiError> {
        self.with_retries(|| async {
            let request = self
                .request(url, headers, body)
                .timeout(self.policy.request_timeout);
            let mut response = request.send().await.map_err(|e| network_failure(&e))?;
            let status = response.status().as_u16();
            if !response.status().is_success() {
                return Err(refusal(response, status, classify).await);
            }
            read_bounded(&mut response, self.limits.max_answer_bytes)
                .await
                .map_err(|e| match e {
                    AiError::Timeout | AiError::Unavailable(_) => Failure {
                        error: e,
                        retry: true,
                        hint: RetryHint::default(),
                    },
                    e => e.into(),
                })
        })
        .await
    }

    /// POSTs `body` (JSON) asking for an event stream, and hands over the answer once it
    /// is a 2xx `text/event-stream`.
    pub async fn post_for_stream(
        &self,
        url: &Url,
        headers: &HeaderMap,
        body: &[u8],
        classify: Classify,
    ) -> Result<Response, AiError> {
        self.with_retries(|| async {
            let request = self
                .request(url, headers, body)
                .header(reqwest::header::ACCEPT, "text/event-stream");
            let response =
                match tokio::time::timeout(self.policy.stream_idle_timeout, request.send()).await {
                    Err(_) => {
                        return Err(Failure {
                            error: AiError::Timeout,
                            retry: true,
                            hint: RetryHint::default(),
                        });
                    }
                    Ok(sent) => sent.map_err(|e| network_failure(&e))?,
                };
            let status = response.status().as_u16();
            if !response.status().is_success() {
                return Err(refusal(response, status, classify).await);
            }
            let is_stream = response
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.trim_start().starts_with("text/event-stream"));
            if !is_stream {
                return Err(AiError::MalformedAnswer("expected an event stream").into());
            }
            Ok(response)
        })
        .await
    }

    fn request(&self, url: &Url, headers: &HeaderMap, body: &[u8]) -> reqwest::RequestBuilder {
        self.client
            .post(url.clone())
            .headers(headers.clone())
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .body(body.to_vec())
    }

    async fn with_retries<T, F, Fut>(&self, mut attempt: F) -> Result<T, AiError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Failure>>,
    {
        if let Gate::Refused(retry_in) = self.breaker.admit() {
            tracing::debug!(provider = self.provider, "circuit open; call refused");
            return Err(AiError::Unavailable(format!(
                "calls paused for {} s after repeated failures",
                retry_in.as_secs().max(1)
            )));
        }
        let mut retries = 0;
        loop {
            let failure = match attempt().await {
                Ok(done) => {
                    self.breaker.answered();
                    return Ok(done);
                }
                Err(f) => f,
            };
            if !failure.retry || retries >= self.policy.max_retries {
                // Retryable failures (overload, 5xx, time-outs, lost connections) mean the
                // provider is unavailable; any other refusal is an answer.
                if failure.retry {
                    self.breaker.unavailable();
                } else {
                    self.breaker.answered();
                }
                return Err(failure.error);
            }
            let wait = self.policy.delay(retries, failure.hint.after);
            retries += 1;
            tracing::debug!(
                provider = self.provider,
                retry = retries,
                wait_ms = wait.as_millis(),
                error = %failure.error,
                "retrying a model call"
            );
            tokio::time::sleep(wait).await;
        }
    }
}

/// A non-2xx answer: its body read (bounded) and classified by the provider.
async fn refusal(mut response: Response, status: u16, classify: Classify) -> Failure {
    let hint = RetryHint::read(response.headers());
    let body = read_bounded(&mut response, MAX_ERROR_BODY)
        .await
        .unwrap_or_default();
    let mut error = classify(status, &body, &hint);
    if let AiError::RateLimited { retry_after } = &mut error
        && retry_after.is_none()
    {
        *retry_after = hint.after;
    }
    Failure {
        error,
        retry: hint.retryable(status),
        hint,
    }
}

/// A request that got no answer: worth retrying when it timed out or never connected.
fn network_failure(e: &reqwest::Error) -> Failure {
    let error = transport_error(e);
    Failure {
        retry: matches!(error, AiError::Timeout | AiError::Unavailable(_)),
        error,
        hint: RetryHint::default(),
    }
}

pub(crate) fn transport_error(e: &reqwest::Error) -> AiError {
    if e.is_timeout() {
        AiError::Timeout
    } else if e.is_connect() {
        AiError::Unavailable("could not connect".to_owned())
    } else {
        AiError::Unavailable("the connection failed".to_owned())
    }
}

/// Reads a body, refusing it once it passes `limit` bytes.
pub(crate) async fn read_bounded(
    response: &mut Response,
    limit: usize,
) -> Result<Vec<u8>, AiError> {
    if response
        .content_length()
        .is_some_and(|n| usize::try_from(n).map_or(true, |n| n > limit))
    {
        return Err(AiError::AnswerTooLarge { limit });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| transport_error(&e))? {
        if body.len() + chunk.len() > limit {
            return Err(AiError::AnswerTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

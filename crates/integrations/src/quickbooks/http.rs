//! The one way the QuickBooks client reaches the network: a `crates/outbound` client, retries
//! with jittered exponential backoff for 5xx and timeouts, `Retry-After` honoured on 429.
//!
//! The data side has [`Transport::get`] only: the client cannot write to a company, because no
//! request it can build has another method. The OAuth token and revoke calls (POSTs to Intuit's
//! identity endpoints, never to a company) go through [`Transport::post_identity`].

use super::fault::{QuickBooksError, parse_fault};
use flowsense_outbound::{Loopback, check_destination};
use reqwest::{StatusCode, Url, header};
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;

pub use crate::retry::RetryPolicy;

/// A raw answer that succeeded (2xx).
pub(crate) struct Answer {
    pub body: Vec<u8>,
}

pub(crate) struct Transport {
    client: reqwest::Client,
    policy: RetryPolicy,
    loopback: Loopback,
}

type Attempt = crate::retry::Attempt<Answer, QuickBooksError>;

impl Transport {
    pub fn new(policy: RetryPolicy, loopback: Loopback) -> Result<Self, QuickBooksError> {
        let client = flowsense_outbound::client_builder(false)?
            .https_only(loopback == Loopback::Refused)
            .build()
            .map_err(QuickBooksError::Transport)?;
        Ok(Self {
            client,
            policy,
            loopback,
        })
    }

    /// Refuses a URL the outbound policy does not allow.
    pub fn check(&self, url: &Url) -> Result<(), QuickBooksError> {
        Ok(check_destination(url, self.loopback)?)
    }

    /// `GET url` with a bearer token and `Accept: application/json`.
    pub async fn get(&self, url: &Url, bearer: &SecretString) -> Result<Answer, QuickBooksError> {
        self.check(url)?;
        self.with_retries(|| {
            self.client
                .get(url.clone())
                .bearer_auth(bearer.expose_secret())
                .header(header::ACCEPT, "application/json")
        })
        .await
    }

    /// A POST to an identity (OAuth) endpoint, with the app's Basic credentials.
    pub async fn post_identity(
        &self,
        url: &Url,
        basic: &SecretString,
        content_type: &str,
        body: &SecretString,
    ) -> Result<Answer, QuickBooksError> {
        self.check(url)?;
        self.with_retries(|| {
            self.client
                .post(url.clone())
                .header(
                    header::AUTHORIZATION,
                    format!("Basic {}", basic.expose_secret()),
                )
                .header(header::ACCEPT, "application/json")
                .header(header::CONTENT_TYPE, content_type)
                .header("x-include-refresh-token-hard-expires-in", "true")
                .body(body.expose_secret().to_owned())
        })
        .await
    }

    async fn with_retries(
        &self,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<Answer, QuickBooksError> {
        crate::retry::with_retries(&self.policy, "QuickBooks", || {
            self.attempt(build().timeout(self.policy.request_timeout))
        })
        .await
    }

    async fn attempt(&self, request: reqwest::RequestBuilder) -> Attempt {
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => return transport_failure(e),
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = match response.bytes().await {
            Ok(b) => b.to_vec(),
            Err(e) => return transport_failure(e),
        };
        if status.is_success() {
            return Attempt::Done(Answer { body });
        }
        let fault = parse_fault(&body).unwrap_or_default();
        match status {
            // Throttling has also been reported as 403 with the ThrottleExceeded fault.
            s if s == StatusCode::TOO_MANY_REQUESTS
                || (s == StatusCode::FORBIDDEN
                    && fault.errors.iter().any(|e| e.code == "3001")) =>
            {
                Attempt::Retry {
                    after: retry_after,
                    error: QuickBooksError::Throttled { retry_after, fault },
                }
            }
            StatusCode::UNAUTHORIZED
                if fault.errors.is_empty() && body.starts_with(b"{\"error\"") =>
            {
                Attempt::Fail(oauth_error(&body, status))
            }
            StatusCode::UNAUTHORIZED => Attempt::Fail(QuickBooksError::ReauthNeeded),
            StatusCode::BAD_REQUEST if body.starts_with(b"{\"error\"") => {
                Attempt::Fail(oauth_error(&body, status))
            }
            s if s.is_server_error() => Attempt::Retry {
                after: None,
                error: QuickBooksError::Unavailable(s.as_u16()),
            },
            s => Attempt::Fail(QuickBooksError::Fault {
                status: s.as_u16(),
                fault,
            }),
        }
    }
}

/// An OAuth 2.0 error body (`{"error":"invalid_grant",…}`): a refused refresh token means the
/// connection is dead.
fn oauth_error(body: &[u8], status: StatusCode) -> QuickBooksError {
    let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let error = v
        .get("error")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("unknown")
        .to_owned();
    if error == "invalid_grant" {
        QuickBooksError::ConnectionDead(error)
    } else {
        QuickBooksError::OAuth(format!("{error} (HTTP {})", status.as_u16()))
    }
}

fn transport_failure(e: reqwest::Error) -> Attempt {
    if e.is_timeout() {
        Attempt::Retry {
            after: None,
            error: QuickBooksError::Timeout,
        }
    } else if e.is_connect() || e.is_request() || e.is_body() {
        Attempt::Retry {
            after: None,
            error: QuickBooksError::Transport(e),
        }
    } else {
        Attempt::Fail(QuickBooksError::Transport(e))
    }
}

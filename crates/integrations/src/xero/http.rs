//! The one way the Xero client reaches the network: a `crates/outbound` client, retries with
//! jittered exponential backoff for 5xx and timeouts, `Retry-After` honoured on 429.
//!
//! Reads are [`Transport::get`]; the only other methods are the identity POSTs
//! ([`Transport::post_identity`]: token, revocation) and [`Transport::delete`], which the
//! client uses for `DELETE /connections/{id}` alone. No request it can build writes to books.

use super::error::{RateLimitProblem, XeroError, describe, oauth_error_code, validation};
use crate::retry::RetryPolicy;
use chrono::{DateTime, Utc};
use flowsense_outbound::{Loopback, check_destination};
use reqwest::{Method, StatusCode, Url, header};
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;

/// A raw answer that succeeded (2xx).
pub(crate) struct Answer {
    pub body: Vec<u8>,
}

/// What a `GET` carries besides the bearer token.
#[derive(Default, Clone, Copy)]
pub(crate) struct ReadHeaders<'a> {
    /// `xero-tenant-id`, on every Accounting API call.
    pub tenant: Option<&'a str>,
    /// `If-Modified-Since`, for incremental reads.
    pub modified_since: Option<DateTime<Utc>>,
}

pub(crate) struct Transport {
    client: reqwest::Client,
    policy: RetryPolicy,
    loopback: Loopback,
}

type Attempt = crate::retry::Attempt<Answer, XeroError>;

/// `If-Modified-Since` as the Accounting API documents it: a UTC timestamp
/// `yyyy-mm-ddThh:mm:ss` (Xero-OpenAPI `components.parameters.ifModifiedSince`).
fn modified_since_header(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S").to_string()
}

impl Transport {
    pub fn new(policy: RetryPolicy, loopback: Loopback) -> Result<Self, XeroError> {
        let client = flowsense_outbound::client_builder(false)?
            .https_only(loopback == Loopback::Refused)
            .build()
            .map_err(XeroError::Transport)?;
        Ok(Self {
            client,
            policy,
            loopback,
        })
    }

    /// Refuses a URL the outbound policy does not allow.
    pub fn check(&self, url: &Url) -> Result<(), XeroError> {
        Ok(check_destination(url, self.loopback)?)
    }

    /// `GET url` with a bearer token, `Accept: application/json` and `extra`.
    pub async fn get(
        &self,
        url: &Url,
        bearer: &SecretString,
        extra: ReadHeaders<'_>,
    ) -> Result<Answer, XeroError> {
        self.check(url)?;
        let since = extra.modified_since.map(modified_since_header);
        self.with_retries(|| {
            let mut r = self
                .client
                .get(url.clone())
                .bearer_auth(bearer.expose_secret())
                .header(header::ACCEPT, "application/json");
            if let Some(t) = extra.tenant {
                r = r.header("xero-tenant-id", t);
            }
            if let Some(s) = &since {
                r = r.header(header::IF_MODIFIED_SINCE, s.as_str());
            }
            r
        })
        .await
    }

    /// `DELETE url` with a bearer token: only ever `/connections/{id}`.
    pub async fn delete(&self, url: &Url, bearer: &SecretString) -> Result<Answer, XeroError> {
        self.check(url)?;
        self.with_retries(|| {
            self.client
                .request(Method::DELETE, url.clone())
                .bearer_auth(bearer.expose_secret())
                .header(header::ACCEPT, "application/json")
        })
        .await
    }

    /// A form POST to an identity (OAuth) endpoint, with the app's Basic credentials.
    pub async fn post_identity(
        &self,
        url: &Url,
        basic: &SecretString,
        form: &SecretString,
    ) -> Result<Answer, XeroError> {
        self.check(url)?;
        self.with_retries(|| {
            self.client
                .post(url.clone())
                .header(
                    header::AUTHORIZATION,
                    format!("Basic {}", basic.expose_secret()),
                )
                .header(header::ACCEPT, "application/json")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(form.expose_secret().to_owned())
        })
        .await
    }

    async fn with_retries(
        &self,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<Answer, XeroError> {
        crate::retry::with_retries(&self.policy, "Xero", || {
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
        let headers = response.headers();
        let retry_after = headers
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let problem = headers
            .get("x-rate-limit-problem")
            .and_then(|v| v.to_str().ok())
            .map(RateLimitProblem::parse);
        let body = match response.bytes().await {
            Ok(b) => b.to_vec(),
            Err(e) => return transport_failure(e),
        };
        if status.is_success() {
            return Attempt::Done(Answer { body });
        }
        let oauth = oauth_error_code(&body);
        match status {
            StatusCode::TOO_MANY_REQUESTS => Attempt::Retry {
                after: retry_after,
                error: XeroError::RateLimited {
                    problem: problem.unwrap_or(RateLimitProblem::Other(String::new())),
                    retry_after,
                },
            },
            StatusCode::BAD_REQUEST | StatusCode::UNAUTHORIZED if oauth.is_some() => {
                let error = oauth.unwrap_or_default();
                Attempt::Fail(if error == "invalid_grant" {
                    XeroError::ConnectionDead(error)
                } else {
                    XeroError::OAuth(format!("{error} (HTTP {})", status.as_u16()))
                })
            }
            StatusCode::UNAUTHORIZED => Attempt::Fail(XeroError::ReauthNeeded),
            StatusCode::FORBIDDEN => Attempt::Fail(XeroError::Forbidden(describe(&body))),
            StatusCode::BAD_REQUEST => Attempt::Fail(validation(&body)),
            s if s.is_server_error() => Attempt::Retry {
                after: None,
                error: XeroError::Unavailable(s.as_u16()),
            },
            s => Attempt::Fail(XeroError::Refused {
                status: s.as_u16(),
                detail: describe(&body),
            }),
        }
    }
}

fn transport_failure(e: reqwest::Error) -> Attempt {
    if e.is_timeout() {
        Attempt::Retry {
            after: None,
            error: XeroError::Timeout,
        }
    } else if e.is_connect() || e.is_request() || e.is_body() {
        Attempt::Retry {
            after: None,
            error: XeroError::Transport(e),
        }
    } else {
        Attempt::Fail(XeroError::Transport(e))
    }
}

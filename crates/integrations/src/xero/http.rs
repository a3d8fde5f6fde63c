//! What Xero's answers mean, for the shared [`Transport`](crate::transport::Transport), and the
//! one method Xero's client has besides reads and identity POSTs: `DELETE /connections/{id}`.
//! No request it can build writes to books.

use super::error::{RateLimitProblem, XeroError, describe, oauth_error_code, validation};
use crate::retry::Attempt;
use crate::transport::{Answer, Provider};
use chrono::{DateTime, Utc};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode, Url};
use secrecy::SecretString;
use std::time::Duration;

/// Xero, for the shared transport.
pub(crate) struct XeroApi;

pub(crate) type Transport = crate::transport::Transport<XeroApi>;

/// What a `GET` carries besides the bearer token.
#[derive(Default, Clone, Copy)]
pub(crate) struct ReadHeaders<'a> {
    /// `xero-tenant-id`, on every Accounting API call.
    pub tenant: Option<&'a str>,
    /// `If-Modified-Since`, for incremental reads.
    pub modified_since: Option<DateTime<Utc>>,
}

impl ReadHeaders<'_> {
    /// `If-Modified-Since` as the Accounting API documents it: a UTC timestamp
    /// `yyyy-mm-ddThh:mm:ss` (Xero-OpenAPI `components.parameters.ifModifiedSince`).
    fn modified_since_value(&self) -> Option<String> {
        self.modified_since
            .map(|t| t.format("%Y-%m-%dT%H:%M:%S").to_string())
    }
}

impl Transport {
    /// `GET url` with a bearer token, `Accept: application/json` and `extra`.
    pub async fn read(
        &self,
        url: &Url,
        bearer: &SecretString,
        extra: ReadHeaders<'_>,
    ) -> Result<Answer, XeroError> {
        let since = extra.modified_since_value();
        let mut headers = Vec::with_capacity(2);
        if let Some(t) = extra.tenant {
            headers.push(("xero-tenant-id", t));
        }
        if let Some(s) = &since {
            headers.push(("if-modified-since", s.as_str()));
        }
        self.get(url, bearer, &headers).await
    }

    /// `DELETE url` with a bearer token: only ever `/connections/{id}`.
    pub async fn delete(&self, url: &Url, bearer: &SecretString) -> Result<Answer, XeroError> {
        self.send_with_bearer(Method::DELETE, url, bearer).await
    }
}

impl Provider for XeroApi {
    type Error = XeroError;
    const NAME: &'static str = "Xero";

    fn timeout() -> XeroError {
        XeroError::Timeout
    }

    fn paused(retry_in: Duration) -> XeroError {
        XeroError::Paused(retry_in)
    }

    fn network(e: reqwest::Error) -> XeroError {
        XeroError::Transport(e)
    }

    fn refusal(
        status: StatusCode,
        headers: &HeaderMap,
        retry_after: Option<Duration>,
        body: &[u8],
    ) -> Attempt<Answer, XeroError> {
        let problem = headers
            .get("x-rate-limit-problem")
            .and_then(|v| v.to_str().ok())
            .map(RateLimitProblem::parse);
        let oauth = oauth_error_code(body);
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
            StatusCode::FORBIDDEN => Attempt::Fail(XeroError::Forbidden(describe(body))),
            StatusCode::BAD_REQUEST => Attempt::Fail(validation(body)),
            s if s.is_server_error() => Attempt::Retry {
                after: None,
                error: XeroError::Unavailable(s.as_u16()),
            },
            s => Attempt::Fail(XeroError::Refused {
                status: s.as_u16(),
                detail: describe(body),
            }),
        }
    }
}

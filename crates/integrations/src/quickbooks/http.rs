//! What QuickBooks' answers mean, for the shared [`Transport`](crate::transport::Transport).
//!
//! The data side has [`Transport::get`](crate::transport::Transport::get) only: the client
//! cannot write to a company, because no request it can build has another method. The OAuth token
//! and revoke calls (POSTs to Intuit's identity endpoints, never to a company) go through
//! [`Transport::post_identity`](crate::transport::Transport::post_identity).

use super::fault::{QuickBooksError, parse_fault};
use crate::retry::Attempt;
use crate::transport::{Answer, Provider};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use std::time::Duration;

pub use crate::retry::RetryPolicy;

/// QuickBooks Online, for the shared transport.
pub(crate) struct Intuit;

pub(crate) type Transport = crate::transport::Transport<Intuit>;

impl Provider for Intuit {
    type Error = QuickBooksError;
    const NAME: &'static str = "QuickBooks";
    const IDENTITY_HEADERS: &'static [(&'static str, &'static str)] =
        &[("x-include-refresh-token-hard-expires-in", "true")];
    /// Intuit's transaction id, which its support asks for (Intuit "REST API features").
    const SUPPORT_ID_HEADER: Option<&'static str> = Some("intuit_tid");

    fn timeout() -> QuickBooksError {
        QuickBooksError::Timeout
    }

    fn paused(retry_in: Duration) -> QuickBooksError {
        QuickBooksError::Paused(retry_in)
    }

    fn network(e: reqwest::Error) -> QuickBooksError {
        QuickBooksError::Transport(e)
    }

    fn refusal(
        status: StatusCode,
        _headers: &HeaderMap,
        retry_after: Option<Duration>,
        body: &[u8],
    ) -> Attempt<Answer, QuickBooksError> {
        let fault = parse_fault(body).unwrap_or_default();
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
                Attempt::Fail(oauth_error(body, status))
            }
            StatusCode::UNAUTHORIZED => Attempt::Fail(QuickBooksError::ReauthNeeded),
            StatusCode::BAD_REQUEST if body.starts_with(b"{\"error\"") => {
                Attempt::Fail(oauth_error(body, status))
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

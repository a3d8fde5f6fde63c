//! What Stripe's answers mean, for the shared [`Transport`](crate::transport::Transport): retry
//! when `Stripe-Should-Retry: true`, on 409, 429 and 5xx (the POSTs carry an idempotency key, so
//! a retry replays rather than repeats); never when it says `false`.

use super::StripeError;
use super::model::describe;
use crate::retry::Attempt;
use crate::transport::{Answer, Provider};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use std::time::Duration;

/// Stripe, for the shared transport.
pub(crate) struct StripeApi;

pub(crate) type Transport = crate::transport::Transport<StripeApi>;

impl Provider for StripeApi {
    type Error = StripeError;
    const NAME: &'static str = "Stripe";

    fn timeout() -> StripeError {
        StripeError::Timeout
    }

    fn paused(retry_in: Duration) -> StripeError {
        StripeError::Paused(retry_in)
    }

    fn network(e: reqwest::Error) -> StripeError {
        StripeError::Transport(e)
    }

    fn refusal(
        status: StatusCode,
        headers: &HeaderMap,
        retry_after: Option<Duration>,
        body: &[u8],
    ) -> Attempt<Answer, StripeError> {
        let should_retry = headers
            .get("stripe-should-retry")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.eq_ignore_ascii_case("true"));
        let (kind, message) = describe(body);
        let error = match status {
            StatusCode::UNAUTHORIZED => StripeError::Unauthorized,
            StatusCode::TOO_MANY_REQUESTS => StripeError::RateLimited,
            s if s.is_server_error() || s == StatusCode::CONFLICT => {
                StripeError::Unavailable(s.as_u16())
            }
            s => StripeError::Refused {
                status: s.as_u16(),
                kind,
                message,
            },
        };
        let retry = should_retry.unwrap_or(
            status == StatusCode::CONFLICT
                || status == StatusCode::TOO_MANY_REQUESTS
                || status.is_server_error(),
        );
        if retry {
            Attempt::Retry {
                after: retry_after,
                error,
            }
        } else {
            Attempt::Fail(error)
        }
    }
}

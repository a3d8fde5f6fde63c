//! Errors of the Stripe client, from Stripe's error body
//! `{"error":{"type","code","message","param"}}` (APIS.md §3.1).

/// What went wrong talking to Stripe.
#[derive(Debug, thiserror::Error)]
pub enum StripeError {
    /// 401: the secret key is wrong or revoked.
    #[error("Stripe refused the secret key")]
    Unauthorized,
    /// A 4xx refusal, with Stripe's error type and message (no secret in either).
    #[error("Stripe refused the request (HTTP {status}, {kind}): {message}")]
    Refused {
        status: u16,
        kind: String,
        message: String,
    },
    /// Still rate-limited after the retries the policy allows.
    #[error("Stripe's rate limit was hit")]
    RateLimited,
    /// Still failing (5xx, 409) after the retries the policy allows.
    #[error("Stripe kept failing (HTTP {0})")]
    Unavailable(u16),
    #[error("Stripe did not answer in time")]
    Timeout,
    /// Calls are paused after repeated failures (the circuit breaker is open); the next one
    /// goes out as a probe in about this long.
    #[error("Stripe is unavailable; calls are paused for {} s after repeated failures", .0.as_secs().max(1))]
    Paused(std::time::Duration),
    #[error("network error talking to Stripe: {0}")]
    Transport(#[source] reqwest::Error),
    #[error("unexpected answer from Stripe: {0}")]
    Decode(String),
    #[error(transparent)]
    Outbound(#[from] flowsense_outbound::OutboundError),
    #[error("bad Stripe URL: {0}")]
    Url(String),
}

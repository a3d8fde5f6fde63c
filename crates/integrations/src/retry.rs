//! How hard the provider clients try: attempts, jittered exponential backoff for 5xx and
//! timeouts, and the longest `Retry-After` worth waiting for. Shared by every provider.

use std::future::Future;
use std::time::Duration;

/// How hard to try before giving up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per request, the first included.
    pub max_attempts: u32,
    /// Backoff before the second attempt; doubled each time, with full jitter.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// Deadline for one attempt (connect, answer and body).
    pub request_timeout: Duration,
    /// The longest `Retry-After` obeyed; a longer one ends the retries.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            request_timeout: Duration::from_secs(60),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// Full jitter: uniformly random in `[0, min(max, base * 2^retry)]`.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let cap = self
            .base_delay
            .saturating_mul(1u32.checked_shl(retry.min(16)).unwrap_or(u32::MAX))
            .min(self.max_delay);
        let mut b = [0u8; 4];
        if getrandom::fill(&mut b).is_err() {
            return cap;
        }
        cap.mul_f64(f64::from(u32::from_le_bytes(b)) / f64::from(u32::MAX))
    }
}

/// What one attempt at a request came to.
pub(crate) enum Attempt<A, E> {
    Done(A),
    /// Worth another try: after `after` when the provider said (`Retry-After`), else after a
    /// backoff.
    Retry {
        after: Option<Duration>,
        error: E,
    },
    Fail(E),
}

/// Runs `attempt` until it is done, fails for good, or the policy's attempts or patience run
/// out (a `Retry-After` longer than [`RetryPolicy::max_retry_after`] ends it at once).
/// `provider` names the service in the debug log.
pub(crate) async fn with_retries<A, E, F, Fut>(
    policy: &RetryPolicy,
    provider: &'static str,
    mut attempt: F,
) -> Result<A, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Attempt<A, E>>,
{
    let mut tries = 0;
    loop {
        tries += 1;
        let (after, error) = match attempt().await {
            Attempt::Done(a) => return Ok(a),
            Attempt::Fail(e) => return Err(e),
            Attempt::Retry { after, error } => (after, error),
        };
        if tries >= policy.max_attempts {
            return Err(error);
        }
        let wait = match after {
            Some(d) if d > policy.max_retry_after => return Err(error),
            Some(d) => d,
            None => policy.backoff(tries - 1),
        };
        tracing::debug!(
            attempt = tries,
            wait_ms = wait.as_millis(),
            provider,
            "retrying a request"
        );
        tokio::time::sleep(wait).await;
    }
}

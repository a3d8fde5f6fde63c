//! How hard the provider clients try: attempts, jittered exponential backoff for 5xx and
//! timeouts, and the longest `Retry-After` worth waiting for. Shared by every provider.

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

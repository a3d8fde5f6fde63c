//! How hard the model clients try, copied from Anthropic's own SDK (APIS.md §4.4): two retries,
//! exponential backoff from 0.5 s capped at 8 s with up to 25 % jitter off; `retry-after-ms`,
//! then `retry-after` (seconds or an HTTP date), obeyed when between 0 and 60 s;
//! `x-should-retry` overrules the status; otherwise 408, 409, 429 and every 5xx (529 included)
//! are retried, as are timeouts and failed connections.

use reqwest::header::HeaderMap;
use std::time::Duration;

/// Attempts, waits and deadlines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The wait before the first retry, doubled for each one after.
    pub initial_delay: Duration,
    pub max_delay: Duration,
    /// The longest `retry-after` obeyed; a longer one falls back to the backoff.
    pub max_retry_after: Duration,
    /// Deadline for one whole non-streamed attempt (answer and body).
    pub request_timeout: Duration,
    /// Deadline for the first byte of a streamed answer, and then between two chunks.
    pub stream_idle_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 2,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
            request_timeout: Duration::from_secs(600),
            stream_idle_timeout: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// How long to wait before retry number `retry` (0 for the first), given the server's hint.
    #[must_use]
    pub fn delay(&self, retry: u32, hint: Option<Duration>) -> Duration {
        if let Some(after) = hint
            && !after.is_zero()
            && after <= self.max_retry_after
        {
            return after;
        }
        let backoff = self
            .initial_delay
            .saturating_mul(1u32.checked_shl(retry.min(16)).unwrap_or(u32::MAX))
            .min(self.max_delay);
        // The SDK's jitter: 0–25 % off the backoff.
        backoff.mul_f64(1.0 - 0.25 * unit_random())
    }
}

fn unit_random() -> f64 {
    let mut b = [0u8; 4];
    if getrandom::fill(&mut b).is_err() {
        return 0.0;
    }
    f64::from(u32::from_le_bytes(b)) / f64::from(u32::MAX)
}

/// What an answer's headers say about trying again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct RetryHint {
    /// `retry-after-ms`, else `retry-after`.
    pub after: Option<Duration>,
    /// `x-should-retry`, when sent.
    pub should_retry: Option<bool>,
}

impl RetryHint {
    pub(crate) fn read(headers: &HeaderMap) -> Self {
        let text = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
        };
        let after_ms = text("retry-after-ms")
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|ms| ms.is_finite() && *ms >= 0.0 && *ms <= 3_600_000.0)
            .map(|ms| Duration::from_secs_f64(ms / 1000.0));
        let after = after_ms.or_else(|| text("retry-after").and_then(parse_retry_after));
        let should_retry = match text("x-should-retry") {
            Some("true") => Some(true),
            Some("false") => Some(false),
            _ => None,
        };
        Self {
            after,
            should_retry,
        }
    }

    /// Whether an answer with this status is worth another attempt.
    pub(crate) fn retryable(&self, status: u16) -> bool {
        self.should_retry
            .unwrap_or(matches!(status, 408 | 409 | 429) || status >= 500)
    }
}

/// `retry-after`: seconds (possibly fractional), or an HTTP date.
fn parse_retry_after(value: &str) -> Option<Duration> {
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && (0.0..=86_400.0).contains(&secs))
            .then(|| Duration::from_secs_f64(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
    wait.to_std().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn hint(pairs: &[(&'static str, &str)]) -> RetryHint {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        RetryHint::read(&h)
    }

    #[test]
    fn reads_the_headers_the_sdk_reads() {
        assert_eq!(
            hint(&[("retry-after-ms", "250"), ("retry-after", "9")]).after,
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            hint(&[("retry-after", "2")]).after,
            Some(Duration::from_secs(2))
        );
        let in_a_while = (chrono::Utc::now() + chrono::Duration::seconds(30)).to_rfc2822();
        let d = hint(&[("retry-after", &in_a_while)]).after.unwrap();
        assert!(
            d > Duration::from_secs(25) && d <= Duration::from_secs(30),
            "{d:?}"
        );
        assert_eq!(hint(&[("retry-after", "soon")]).after, None);
        assert!(!hint(&[("x-should-retry", "false")]).retryable(529));
        assert!(hint(&[("x-should-retry", "true")]).retryable(400));
        for s in [408, 409, 429, 500, 503, 529] {
            assert!(hint(&[]).retryable(s), "{s}");
        }
        for s in [400, 401, 403, 404, 413] {
            assert!(!hint(&[]).retryable(s), "{s}");
        }
    }

    #[test]
    fn waits_as_told_within_a_minute_else_backs_off_with_jitter() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.delay(0, Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
        for retry in 0..6 {
            let d = p.delay(retry, Some(Duration::from_secs(61)));
            let full = (Duration::from_millis(500) * 2u32.pow(retry)).min(p.max_delay);
            assert!(d <= full && d >= full.mul_f64(0.75), "{retry}: {d:?}");
        }
    }
}

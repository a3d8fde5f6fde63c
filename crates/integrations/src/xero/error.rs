//! Errors of the Xero client, and the error bodies the Accounting and identity APIs send.
//!
//! Shapes (Xero-OpenAPI `xero_accounting.yaml` schemas `Error`/`Element`/`ValidationError`;
//! APIS.md §2.3–2.4): a 400 is `{"ErrorNumber":10,"Type":"ValidationException","Message",
//! "Elements":[{"ValidationErrors":[{"Message"}]}]}`; 401 and 403 carry an RFC 7807-like
//! `{"Title","Status","Detail"}`; the identity endpoints answer OAuth's `{"error"}`; a 429 names
//! the limit hit in `X-Rate-Limit-Problem` and says when to come back in `Retry-After`.

#[cfg(feature = "client")]
use serde_json::Value;
use std::fmt;
use std::time::Duration;

/// Which of Xero's limits a 429 says was hit (`X-Rate-Limit-Problem`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RateLimitProblem {
    /// 60 calls a minute per tenant.
    Minute,
    /// 5,000 calls a day per tenant (1,000 on the Starter tier): `Retry-After` can be hours.
    Day,
    /// 5 calls in progress at once per tenant.
    Concurrent,
    /// 10,000 calls a minute per app, across tenants.
    AppMinute,
    /// A value this client does not know: wait `Retry-After` all the same.
    Other(String),
}

impl RateLimitProblem {
    /// Reads the header's value (case-insensitive).
    #[must_use]
    pub fn parse(value: &str) -> Self {
        match value.trim().to_ascii_lowercase().as_str() {
            "minute" => Self::Minute,
            "day" => Self::Day,
            "concurrent" => Self::Concurrent,
            "appminute" => Self::AppMinute,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for RateLimitProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Minute => f.write_str("minute"),
            Self::Day => f.write_str("day"),
            Self::Concurrent => f.write_str("concurrent"),
            Self::AppMinute => f.write_str("app minute"),
            Self::Other(o) => write!(f, "{o:?}"),
        }
    }
}

/// What went wrong talking to Xero, by what the caller must do about it.
#[derive(Debug, thiserror::Error)]
pub enum XeroError {
    /// 401: the access token is expired or unknown — refresh it, then retry once.
    #[error("Xero refused the access token; refresh it")]
    ReauthNeeded,
    /// The refresh token was refused (`invalid_grant`: revoked, rotated away past its grace
    /// period, or unused for 60 days): only the user connecting again helps.
    #[error("the Xero connection is dead ({0}); the user must connect again")]
    ConnectionDead(String),
    /// 403: the tenant is not connected to this grant (disconnected, or never chosen), or a
    /// scope is missing.
    #[error("Xero refused access to the organisation: {0}")]
    Forbidden(String),
    /// Still rate-limited after the retries the policy allows, or told to wait longer than it
    /// allows (a day limit).
    #[error("Xero's {problem} rate limit was hit")]
    RateLimited {
        problem: RateLimitProblem,
        retry_after: Option<Duration>,
    },
    /// Still failing (5xx) after the retries the policy allows.
    #[error("Xero kept failing (HTTP {0})")]
    Unavailable(u16),
    /// No answer in time, after the retries the policy allows.
    #[error("Xero did not answer in time")]
    Timeout,
    /// Calls are paused after repeated failures (the circuit breaker is open); the next one
    /// goes out as a probe in about this long.
    #[error("Xero is unavailable; calls are paused for {} s after repeated failures", .0.as_secs().max(1))]
    Paused(std::time::Duration),
    /// A 400 `ValidationException`, with its messages.
    #[error("Xero refused the request as invalid: {message} {errors:?}")]
    Validation {
        message: String,
        errors: Vec<String>,
    },
    /// Another refusal (404, …).
    #[error("Xero refused the request (HTTP {status}): {detail}")]
    Refused { status: u16, detail: String },
    /// An OAuth error other than a dead refresh token (`invalid_client`, a bad code or
    /// verifier, …).
    #[error("OAuth error: {0}")]
    OAuth(String),
    #[cfg(feature = "client")]
    #[error("network error talking to Xero: {0}")]
    Transport(#[source] reqwest::Error),
    #[error("unexpected answer from Xero: {0}")]
    Decode(String),
    #[cfg(feature = "client")]
    #[error(transparent)]
    Outbound(#[from] flowsense_outbound::OutboundError),
    #[error("bad Xero URL: {0}")]
    Url(String),
}

#[cfg(feature = "client")]
fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(feature = "client")]
/// The OAuth `error` of an identity answer, if it is one.
#[must_use]
pub(crate) fn oauth_error_code(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    text(&v, "error")
}

#[cfg(feature = "client")]
/// A short, safe description of an error body: `Detail`/`Title` of a problem document, or
/// the `Message` of an API exception.
#[must_use]
pub(crate) fn describe(body: &[u8]) -> String {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return String::new();
    };
    ["Detail", "Message", "Title", "error"]
        .iter()
        .find_map(|k| text(&v, k))
        .unwrap_or_default()
}

#[cfg(feature = "client")]
/// A `ValidationException` body as [`XeroError::Validation`].
#[must_use]
pub(crate) fn validation(body: &[u8]) -> XeroError {
    let v: Value = serde_json::from_slice(body).unwrap_or_default();
    let errors = v
        .get("Elements")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| e.get("ValidationErrors").and_then(Value::as_array))
        .flatten()
        .filter_map(|e| text(e, "Message"))
        .collect();
    XeroError::Validation {
        message: text(&v, "Message").unwrap_or_default(),
        errors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_error_bodies() {
        let body = br#"{"ErrorNumber":10,"Type":"ValidationException","Message":"A validation exception occurred","Elements":[{"ValidationErrors":[{"Message":"Account code '999' is not a valid code"}]}]}"#;
        match validation(body) {
            XeroError::Validation { message, errors } => {
                assert_eq!(message, "A validation exception occurred");
                assert_eq!(errors, ["Account code '999' is not a valid code"]);
            }
            other => panic!("{other:?}"),
        }
        let problem = br#"{"Type":null,"Title":"Unauthorized","Status":401,"Detail":"AuthenticationUnsuccessful"}"#;
        assert_eq!(describe(problem), "AuthenticationUnsuccessful");
        assert_eq!(
            oauth_error_code(br#"{"error":"invalid_grant"}"#).as_deref(),
            Some("invalid_grant")
        );
        assert_eq!(RateLimitProblem::parse("Minute"), RateLimitProblem::Minute);
        assert_eq!(
            RateLimitProblem::parse("hourly"),
            RateLimitProblem::Other("hourly".into())
        );
    }
}

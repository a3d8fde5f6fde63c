//! Errors of the QuickBooks client, and the Accounting API's `Fault` bodies read from JSON or XML.
//!
//! Shapes: `{"Fault":{"Error":[{"Message","Detail","code","element"}],"type"},"time"}` (Intuit
//! "REST API features" / `develop/troubleshooting.md`, scraped in Petrus-Han/finance_plugins);
//! a 2026 probe of a 401 shows the same in lower case (`{"fault":{"error":[{"message",…}]}}`,
//! APIS.md §1.8), so both casings are read; and XML
//! `<IntuitResponse><Fault type><Error code><Message/><Detail/></Error></Fault></IntuitResponse>`,
//! which throttling answers even when JSON was asked (intuit/QuickBooks-V3-PHP-SDK#54).

use serde_json::Value;
use std::fmt;
use std::time::Duration;

/// One `Error` of a Fault.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FaultError {
    pub code: String,
    pub message: String,
    pub detail: String,
}

/// A parsed `Fault`: its `type` (`ValidationFault`, `AUTHENTICATION`, `SERVICE`, …) and errors.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Fault {
    pub kind: String,
    pub errors: Vec<FaultError>,
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind)?;
        for e in &self.errors {
            write!(f, "; code {}: {} ({})", e.code, e.message, e.detail)?;
        }
        Ok(())
    }
}

/// What went wrong talking to QuickBooks Online, by what the caller must do about it.
#[derive(Debug, thiserror::Error)]
pub enum QuickBooksError {
    /// 401: the access token is expired or unknown — refresh it, then retry once.
    #[error("QuickBooks refused the access token; refresh it")]
    ReauthNeeded,
    /// The refresh token was refused (`invalid_grant`: revoked, rotated away or expired):
    /// only the user connecting again helps. Not worth retrying.
    #[error("the QuickBooks connection is dead ({0}); the user must connect again")]
    ConnectionDead(String),
    /// Still throttled after the retries the policy allows.
    #[error("QuickBooks kept throttling the requests: {fault}")]
    Throttled {
        retry_after: Option<Duration>,
        fault: Fault,
    },
    /// Still failing (5xx) after the retries the policy allows.
    #[error("QuickBooks kept failing (HTTP {0})")]
    Unavailable(u16),
    /// No answer in time, after the retries the policy allows.
    #[error("QuickBooks did not answer in time")]
    Timeout,
    /// Calls are paused after repeated failures (the circuit breaker is open); the next one
    /// goes out as a probe in about this long.
    #[error("QuickBooks is unavailable; calls are paused for {} s after repeated failures", .0.as_secs().max(1))]
    Paused(std::time::Duration),
    /// A request QuickBooks refused with a Fault (4xx other than 401/429).
    #[error("QuickBooks refused the request (HTTP {status}): {fault}")]
    Fault { status: u16, fault: Fault },
    /// An OAuth error other than a dead refresh token (`invalid_client`, a bad code, …).
    #[error("OAuth error: {0}")]
    OAuth(String),
    /// CDC cannot look back further than 30 days: read everything again instead.
    #[error("changes older than the 30-day CDC window were asked for; a full read is needed")]
    CdcWindowExpired,
    /// CDC returns at most 1,000 objects and does not page: use a shorter window or a full read.
    #[error("more changes than one CDC answer holds; a full read is needed")]
    CdcOverflow,
    #[cfg(feature = "client")]
    #[error("network error talking to QuickBooks: {0}")]
    Transport(#[source] reqwest::Error),
    #[error("unexpected answer from QuickBooks: {0}")]
    Decode(String),
    #[cfg(feature = "client")]
    #[error(transparent)]
    Outbound(#[from] flowsense_outbound::OutboundError),
    #[error("bad QuickBooks URL: {0}")]
    Url(String),
}

fn text(v: &Value, upper: &str, lower: &str) -> String {
    let field = v.get(upper).or_else(|| v.get(lower));
    match field {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// Reads a Fault from a JSON body (either casing) or an XML one; `None` when it holds none.
#[must_use]
pub fn parse_fault(body: &[u8]) -> Option<Fault> {
    let trimmed = body.trim_ascii_start();
    if trimmed.starts_with(b"<") {
        return parse_xml_fault(std::str::from_utf8(trimmed).ok()?);
    }
    let v: Value = serde_json::from_slice(body).ok()?;
    let fault = v.get("Fault").or_else(|| v.get("fault"))?;
    let errors = fault
        .get("Error")
        .or_else(|| fault.get("error"))
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|e| FaultError {
                    code: text(e, "code", "Code"),
                    message: text(e, "Message", "message"),
                    detail: text(e, "Detail", "detail"),
                })
                .collect()
        })
        .unwrap_or_default();
    Some(Fault {
        kind: text(fault, "type", "Type"),
        errors,
    })
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The value of `name="…"` inside one start tag.
fn attribute(tag: &str, name: &str) -> String {
    let needle = format!("{name}=\"");
    tag.find(&needle)
        .and_then(|i| {
            let rest = &tag[i + needle.len()..];
            rest.find('"').map(|j| unescape(&rest[..j]))
        })
        .unwrap_or_default()
}

/// The text of the first `<name>…</name>` inside `scope`.
fn element(scope: &str, name: &str) -> String {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    scope
        .find(&open)
        .and_then(|i| {
            let rest = &scope[i + open.len()..];
            rest.find(&close).map(|j| unescape(&rest[..j]))
        })
        .unwrap_or_default()
}

/// The fixed, flat XML Fault: `<Fault type><Error code><Message/><Detail/></Error>…</Fault>`.
fn parse_xml_fault(xml: &str) -> Option<Fault> {
    let start = xml.find("<Fault")?;
    let body = &xml[start..];
    let tag_end = body.find('>')?;
    let kind = attribute(&body[..tag_end], "type");
    let end = body.find("</Fault>").unwrap_or(body.len());
    let mut errors = Vec::new();
    let mut rest = &body[tag_end..end];
    while let Some(i) = rest.find("<Error") {
        let after = &rest[i..];
        let open_end = after.find('>')?;
        let close = after.find("</Error>").unwrap_or(after.len());
        let inner = &after[open_end..close];
        errors.push(FaultError {
            code: attribute(&after[..open_end], "code"),
            message: element(inner, "Message"),
            detail: element(inner, "Detail"),
        });
        rest = &after[close..];
        if close == after.len() {
            break;
        }
    }
    Some(Fault { kind, errors })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_faults_in_json_either_casing_and_xml() {
        let json = br#"{"Fault":{"Error":[{"Message":"message=AuthenticationFailed; errorCode=003200; statusCode=401","Detail":"Token expired","code":"3200"}],"type":"AUTHENTICATION"},"time":"2026-01-01T00:00:00.000-08:00"}"#;
        let f = parse_fault(json).expect("json");
        assert_eq!(
            (f.kind.as_str(), f.errors[0].code.as_str()),
            ("AUTHENTICATION", "3200")
        );
        let lower = br#"{"warnings":null,"intuitObject":null,"fault":{"error":[{"message":"m","detail":"d","code":"3200"}],"type":"AUTHENTICATION"}}"#;
        assert_eq!(parse_fault(lower).expect("lower").errors[0].detail, "d");
        let xml = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="2026-01-01T00:00:00.000-08:00"><Fault type="SERVICE"><Error code="3001"><Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message><Detail>The request limit was reached.  Try again later &amp; wait</Detail></Error></Fault></IntuitResponse>"#;
        let f = parse_fault(xml).expect("xml");
        assert_eq!(f.kind, "SERVICE");
        assert_eq!(f.errors[0].code, "3001");
        assert!(f.errors[0].detail.ends_with("later & wait"));
        assert!(parse_fault(b"{\"QueryResponse\":{}}").is_none());
    }
}

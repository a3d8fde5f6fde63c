//! `Fault` bodies, in JSON or XML, as the Accounting API sends them.
//!
//! JSON: `{"Fault":{"Error":[{"Message","Detail","code"}],"type"},"time"}`; XML: the same inside
//! `<IntuitResponse>` (Intuit "REST API features" / `develop/troubleshooting.md`, scraped in
//! Petrus-Han/finance_plugins). The API answers XML unless the request's `Accept` asks for JSON,
//! and throttling (429) has been reported in XML even when JSON was asked
//! (intuit/QuickBooks-V3-PHP-SDK#54, routablehq/python-quickbooks#43): the fake does both.
//! Every answer carries an `intuit_tid` header (Intuit's "REST API features": "Transaction ID
//! (log this for support)").

use super::random_token;
use super::render::envelope_time;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

/// One Fault: its `type`, error `code`, `Message` and `Detail`.
pub struct Fault {
    pub status: StatusCode,
    pub kind: &'static str,
    pub code: &'static str,
    pub message: String,
    pub detail: String,
}

impl Fault {
    pub fn unauthorized(detail: &str) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            kind: "AUTHENTICATION",
            code: "3200",
            message: "message=AuthenticationFailed; errorCode=003200; statusCode=401".into(),
            detail: detail.into(),
        }
    }
    pub fn throttled() -> Self {
        Self {
            status: StatusCode::TOO_MANY_REQUESTS,
            kind: "SERVICE",
            code: "3001",
            message: "message=ThrottleExceeded; errorCode=003001; statusCode=429".into(),
            detail: "The request limit was reached.  Try again later".into(),
        }
    }
    pub fn server(status: StatusCode) -> Self {
        Self {
            status,
            kind: "SystemFault",
            code: "10000",
            message: "An application error has occurred while processing your request".into(),
            detail: format!("System Failure Error: status {}", status.as_u16()),
        }
    }
    pub fn validation(code: &'static str, message: &str, detail: String) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            kind: "ValidationFault",
            code,
            message: message.into(),
            detail,
        }
    }
}

/// Whether the client asked for JSON (otherwise the API answers XML).
pub fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A response with the `intuit_tid` header every Accounting API answer carries.
pub fn with_tid(mut response: Response) -> Response {
    if let Ok(v) = HeaderValue::from_str(&format!("1-{}", &random_token()[..24])) {
        response.headers_mut().insert("intuit_tid", v);
    }
    response
}

/// Renders a Fault in JSON or XML.
pub fn respond(fault: &Fault, json: bool, now: DateTime<Utc>) -> Response {
    let time = envelope_time(now);
    let response = if json {
        let body = serde_json::json!({
            "Fault": {"Error": [{"Message": fault.message, "Detail": fault.detail, "code": fault.code}],
                      "type": fault.kind},
            "time": time,
        });
        (fault.status, axum::Json(body)).into_response()
    } else {
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
             <IntuitResponse xmlns=\"http://schema.intuit.com/finance/v3\" time=\"{time}\">\
             <Fault type=\"{}\"><Error code=\"{}\"><Message>{}</Message><Detail>{}</Detail>\
             </Error></Fault></IntuitResponse>",
            fault.kind,
            fault.code,
            xml_escape(&fault.message),
            xml_escape(&fault.detail)
        );
        (
            fault.status,
            [(header::CONTENT_TYPE, "application/xml")],
            body,
        )
            .into_response()
    };
    with_tid(response)
}

//! What the fakes' identity services (QuickBooks' and Xero's OAuth) share: the consent page's
//! HTML, the redirect back with a query string, and HTTP Basic client authentication.

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;

/// `text` made safe inside HTML text and attribute values.
pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A whole HTML page titled `title` around `body` (already escaped).
pub(crate) fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{}</title></head><body>{body}</body></html>",
        escape(title)
    );
    (status, Html(html)).into_response()
}

/// `base` with `pairs` appended to its query string.
pub(crate) fn with_query(base: &str, pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}{}", s.finish())
}

/// Whether the request carries `client_id:client_secret` as HTTP Basic credentials.
pub(crate) fn basic_matches(headers: &HeaderMap, client_id: &str, client_secret: &str) -> bool {
    let expected =
        base64::engine::general_purpose::STANDARD.encode(format!("{client_id}:{client_secret}"));
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .is_some_and(|v| v.trim() == expected)
}

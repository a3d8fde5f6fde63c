//! Static assets compiled into the binary and served from our own origin (the CSP allows
//! nothing else). Pages link them with a content fingerprint, so they can be cached for a year.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

const APP_CSS: &str = include_str!("../../assets/app.css");

/// The first 16 hex digits of the stylesheet's SHA-256: its version in links and its `ETag`.
static CSS_VERSION: LazyLock<String> = LazyLock::new(|| {
    Sha256::digest(APP_CSS.as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
});

/// The version string pages append to the stylesheet's URL (`/assets/app.css?v=…`).
pub(crate) fn css_version() -> &'static str {
    &CSS_VERSION
}

/// `GET /assets/app.css`.
pub(crate) async fn app_css(headers: HeaderMap) -> Response {
    let etag = format!("\"{}\"", css_version());
    let cache = HeaderValue::from_static("public, max-age=31536000, immutable");
    let etag_value = HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"0\""));
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes());
    if matches {
        return (
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag_value), (header::CACHE_CONTROL, cache)],
        )
            .into_response();
    }
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/css; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, cache),
            (header::ETAG, etag_value),
        ],
        APP_CSS,
    )
        .into_response()
}

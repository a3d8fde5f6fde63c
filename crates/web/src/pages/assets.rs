//! Static assets compiled into the binary and served from our own origin (the CSP allows
//! nothing else). Pages link them with a content fingerprint, so they can be cached for a year.

use crate::{ApiError, AppState};
use axum::extract::State;
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

const ASSISTANT_JS: &str = include_str!("../../assets/assistant.js");

/// The first 16 hex digits of the assistant script's SHA-256: its version in links and `ETag`.
static ASSISTANT_JS_VERSION: LazyLock<String> = LazyLock::new(|| {
    Sha256::digest(ASSISTANT_JS.as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
});

/// The version the assistant page appends to the script's URL.
pub(crate) fn assistant_js_version() -> &'static str {
    &ASSISTANT_JS_VERSION
}

/// `GET /assets/assistant.js`: the assistant page's script (streams the answer in).
pub(crate) async fn assistant_js(headers: HeaderMap) -> Response {
    immutable(
        &headers,
        "text/javascript; charset=utf-8",
        assistant_js_version(),
        ASSISTANT_JS,
    )
}

const PASSKEYS_JS: &str = include_str!("../../assets/passkeys.js");

/// The first 16 hex digits of the passkey script's SHA-256: its version in links and `ETag`.
static PASSKEYS_JS_VERSION: LazyLock<String> = LazyLock::new(|| {
    Sha256::digest(PASSKEYS_JS.as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
});

/// The version the sign-in and profile pages append to the passkey script's URL.
pub(crate) fn passkeys_js_version() -> &'static str {
    &PASSKEYS_JS_VERSION
}

/// `GET /assets/passkeys.js`: the WebAuthn ceremonies of the sign-in and profile pages.
pub(crate) async fn passkeys_js(headers: HeaderMap) -> Response {
    immutable(
        &headers,
        "text/javascript; charset=utf-8",
        passkeys_js_version(),
        PASSKEYS_JS,
    )
}

/// The site icon: the brand mark, so browsers do not ask for a missing `/favicon.ico`.
const ICON_SVG: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 32 32\">\
<rect width=\"32\" height=\"32\" rx=\"7\" fill=\"#0f1b2d\"/>\
<path d=\"M6 21 L12 15 L17 19 L26 9\" fill=\"none\" stroke=\"#4ade80\" stroke-width=\"3\" \
stroke-linecap=\"round\" stroke-linejoin=\"round\"/></svg>";

/// `GET /assets/app.css`.
pub(crate) async fn app_css(headers: HeaderMap) -> Response {
    immutable(&headers, "text/css; charset=utf-8", css_version(), APP_CSS)
}

/// `GET /assets/icon.svg` (and `/favicon.ico`, which browsers ask for on their own).
pub(crate) async fn icon(headers: HeaderMap) -> Response {
    immutable(&headers, "image/svg+xml", "icon-1", ICON_SVG)
}

/// `GET /assets/sample-books.csv`: a download, for the welcome step's "try it" link: six
/// months of a made-up coffee roaster's bank accounts ending today, opening balances first.
pub(crate) async fn sample_books(State(state): State<AppState>) -> Result<Response, ApiError> {
    let csv = flowsense_service::imports::todays_sample_books(&state)
        .await
        .map_err(ApiError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"flowsense-sample-books.csv\"",
            ),
            // The file ends today: a cached copy stays current for an hour at most.
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        csv,
    )
        .into_response())
}

/// A fingerprinted asset: cached for a year, revalidated by `ETag`.
fn immutable(
    headers: &HeaderMap,
    content_type: &'static str,
    version: &str,
    body: &'static str,
) -> Response {
    let etag = format!("\"{version}\"");
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
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, cache),
            (header::ETAG, etag_value),
        ],
        body,
    )
        .into_response()
}

//! Security headers on every response (SPEC §5).

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// No inline script or style, no third-party hosts, no framing.
pub(crate) const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; font-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

/// `same-origin`, not `no-referrer`: under `no-referrer` browsers send `Origin: null` with form
/// posts, which the cross-site check must refuse; other sites still get no referrer at all.
const HEADERS: [(HeaderName, &str); 6] = [
    (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "same-origin"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    ),
    (
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), payment=()",
    ),
];

/// Adds each security header the handler did not set itself.
pub(crate) async fn add_security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in HEADERS {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    response
}

/// `Cache-Control: no-store` on every answer to a request that carried credentials (a cookie or
/// an `Authorization` header): personal pages and JSON — the CSRF token of `/api/v1/me`, members,
/// the audit log — must not be kept by a browser or a shared cache. Static assets keep their own
/// caching; they are the same for everyone.
pub(crate) async fn no_store_when_authenticated(req: Request, next: Next) -> Response {
    let credentials = req.headers().contains_key(header::AUTHORIZATION)
        || req.headers().contains_key(header::COOKIE);
    let asset = req.uri().path().starts_with("/assets/") || req.uri().path() == "/favicon.ico";
    let mut response = next.run(req).await;
    if credentials && !asset {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

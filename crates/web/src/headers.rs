//! Security headers on every response (SPEC §5).

use crate::AppState;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::response::Response;

/// No inline script or style, no third-party hosts, no framing.
pub(crate) const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; font-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

/// [`CONTENT_SECURITY_POLICY`] with forms also allowed to lead to `targets` (origins): a
/// connect form's answer sends the browser to the provider's consent page, and browsers hold
/// every redirect of a form submission to `form-action`.
pub(crate) fn content_security_policy(targets: &[String]) -> String {
    if targets.is_empty() {
        return CONTENT_SECURITY_POLICY.to_owned();
    }
    CONTENT_SECURITY_POLICY.replace(
        "form-action 'self';",
        &format!("form-action 'self' {};", targets.join(" ")),
    )
}

/// The origins this instance's forms lead to: the configured providers' consent pages, and
/// Stripe's Checkout and portal when billing is on.
pub(crate) fn form_targets(state: &AppState) -> Vec<String> {
    let p = &state.providers;
    let mut targets: Vec<String> = p
        .quickbooks
        .iter()
        .map(|qb| qb.authorize_origin())
        .collect();
    targets.extend(p.xero.iter().map(|x| x.authorize_origin()));
    targets.extend(p.billing.stripe.iter().flat_map(|s| s.redirect_origins()));
    targets.dedup();
    targets
}

/// This instance's policy ([`content_security_policy`] with [`form_targets`]), computed once
/// when the router is built: the providers do not change while it serves.
#[derive(Clone)]
pub(crate) struct InstancePolicy(HeaderValue);

impl InstancePolicy {
    pub(crate) fn of(state: &AppState) -> Self {
        let policy = content_security_policy(&form_targets(state));
        Self(
            HeaderValue::from_str(&policy)
                .unwrap_or_else(|_| HeaderValue::from_static(CONTENT_SECURITY_POLICY)),
        )
    }
}

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
pub(crate) fn add_security_headers(mut response: Response) -> Response {
    fill_security_headers(response.headers_mut());
    response
}

fn fill_security_headers(headers: &mut HeaderMap) {
    for (name, value) in HEADERS {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
}

/// The headers of every answer, in one layer (one per request rather than three):
/// - this instance's Content-Security-Policy ([`InstancePolicy`]) on every answer that did not
///   set its own, then the other security headers ([`HEADERS`]) the handler did not set;
/// - `Cache-Control: no-store` on every answer to a request that carried credentials (a cookie
///   or an `Authorization` header): personal pages and JSON — the CSRF token of `/api/v1/me`,
///   members, the audit log — must not be kept by a browser or a shared cache. Static assets
///   keep their own caching; they are the same for everyone.
pub(crate) async fn response_headers<F: Future<Output = Response>>(
    policy: &InstancePolicy,
    req: Request,
    next: impl FnOnce(Request) -> F,
) -> Response {
    let credentials = req.headers().contains_key(header::AUTHORIZATION)
        || req.headers().contains_key(header::COOKIE);
    let asset = req.uri().path().starts_with("/assets/") || req.uri().path() == "/favicon.ico";
    let mut response = next(req).await;
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy.0.clone());
    }
    fill_security_headers(headers);
    if credentials && !asset {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

//! HTML error pages for everything outside the JSON API. Handlers and extractors keep returning
//! [`crate::ApiError`]; this layer turns a non-HTML error answer on a page path into a page that
//! says what to do and leaks nothing (the API under `/api/` keeps its JSON shape).

use super::Chrome;
use crate::AppState;
use crate::auth::CurrentUser;
use crate::org_path::is_own_page;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{FromRequestParts, MatchedPath, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    code: u16,
    heading: &'static str,
    message: &'static str,
    /// The request's id, to quote when reporting the problem (it is in the server's log too).
    request_id: Option<String>,
    /// For a plan's limit (402): the organisation's billing page.
    upgrade: Option<String>,
}

/// `/app/{org}/billing` for a request under `/app/{org}/` (the organisation as the path names
/// it: an id or a slug, letters, digits and dashes only).
fn billing_page_of(path: &str) -> Option<String> {
    let org = path.strip_prefix("/app/")?.split('/').next()?;
    let plain = !org.is_empty()
        && org.len() <= 64
        && org.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    (plain && !is_own_page(org)).then(|| format!("/app/{org}/billing"))
}

/// The `x-request-id` of the request when it looks like one we make (a UUID); a caller may send
/// its own, and anything else is not repeated back.
fn request_id_of(req: &Request) -> Option<String> {
    let id = req.headers().get("x-request-id")?.to_str().ok()?;
    let looks_right =
        (1..=64).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    looks_right.then(|| id.to_owned())
}

/// Whether a request's errors stay JSON: its route says so in the route table (only pages and
/// form targets render errors as pages); a path no route matches is a page unless it is under
/// the API.
fn answers_in_json(req: &Request) -> bool {
    match req.extensions().get::<MatchedPath>() {
        Some(template) => crate::routes::spec_of(template.as_str()).is_none_or(|spec| !spec.page),
        None => {
            let path = req.uri().path();
            path == "/api" || path.starts_with("/api/")
        }
    }
}

fn texts(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        403 => (
            "Not allowed",
            "Your role does not allow this, or the form has expired. Go back, reload the page and try again.",
        ),
        404 => (
            "Page not found",
            "There is nothing here, or it is not yours to see.",
        ),
        402 => (
            "Your plan's limit is reached",
            "The organisation's plan allows no more of this. Nothing was deleted: an admin can upgrade the plan on the Billing page.",
        ),
        413 => (
            "Too large",
            "Files up to 50 MB can be uploaded. Split the file into smaller ones and try again.",
        ),
        429 => ("Too many attempts", "Please wait a moment and try again."),
        503 => (
            "Temporarily unavailable",
            "FlowSense cannot reach its database just now. Nothing you entered was lost: try again in a few seconds.",
        ),
        s if s >= 500 => (
            "Something went wrong on our side",
            "The problem has been logged. Please try again in a moment.",
        ),
        _ => (
            "That request could not be handled",
            "Go back, check what you entered and try again.",
        ),
    }
}

/// The HTML page for an error status.
fn error_page(
    status: StatusCode,
    request_id: Option<String>,
    upgrade: Option<String>,
    chrome: Chrome,
) -> Response {
    let (heading, message) = texts(status);
    let mut r = (
        status,
        ErrorPage {
            chrome,
            code: status.as_u16(),
            heading,
            message,
            request_id,
            upgrade,
        },
    )
        .into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// Replaces error answers on page paths; the pages it makes get the security headers too (it
/// runs outside the layer that adds them, so that panics and timeouts become pages as well).
pub(crate) async fn html_errors<F: Future<Output = Response>>(
    state: &AppState,
    req: Request,
    next: impl FnOnce(Request) -> F,
) -> Response {
    let response = page_for_error(state, req, next).await;
    crate::headers::add_security_headers(response)
}

/// The top bar of an error page: a signed-in visitor sees their organisations and can sign
/// out, not an offer to sign in. Server errors skip the lookup (the database may be the
/// problem) and show the anonymous bar.
async fn chrome_for(state: &AppState, status: StatusCode, headers: HeaderMap) -> Chrome {
    if status.is_server_error() {
        return Chrome::anonymous("error");
    }
    let mut probe = Request::new(axum::body::Body::empty());
    *probe.headers_mut() = headers;
    let (mut parts, _) = probe.into_parts();
    let user = CurrentUser::from_request_parts(&mut parts, state).await;
    Chrome::optional(state, user, "error").await
}

async fn page_for_error<F: Future<Output = Response>>(
    state: &AppState,
    req: Request,
    next: impl FnOnce(Request) -> F,
) -> Response {
    if answers_in_json(&req) {
        // The API keeps its JSON errors: nothing of the request needs keeping.
        return next(req).await;
    }
    let request_id = request_id_of(&req);
    let headers = req.headers().clone();
    let path = req.uri().path().to_owned();
    let response = next(req).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if is_html {
        return response;
    }
    if status == StatusCode::UNAUTHORIZED {
        let mut r = Redirect::to("/login").into_response();
        r.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return r;
    }
    let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
    // Boxed: the error page's sign-in lookup is a large future that every request's future
    // would otherwise carry, though only error answers on pages make it.
    let chrome = Box::pin(chrome_for(state, status, headers)).await;
    let upgrade = (status == StatusCode::PAYMENT_REQUIRED)
        .then(|| billing_page_of(&path))
        .flatten();
    let mut page = error_page(status, request_id, upgrade, chrome);
    if let Some(v) = retry_after {
        page.headers_mut().insert(header::RETRY_AFTER, v);
    }
    page
}

//! The request's own middleware, as three layers (each `from_fn` layer costs every request a
//! copy of its state, of the services under it and two boxed futures, so the steps that sit
//! next to each other share one). Outermost first:
//! - [`answers`]: failed authorization logged as a security event, then error answers on page
//!   paths made into pages; outside the panic and time-out layers, so those become pages too;
//! - [`envelope`]: the body cap, then the headers of every answer;
//! - [`guards`], on each route, where the matched route is known: the rate limits, the
//!   cross-site refusal, then a form's CSRF token moved to its header.

use crate::headers::InstancePolicy;
use crate::{AppState, auth, body_limit, headers, pages, rate_limit};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

pub(crate) async fn answers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    auth::refusals::log_refusals(&state, req, |req| {
        pages::errors::html_errors(&state, req, |req| next.run(req))
    })
    .await
}

pub(crate) async fn envelope(
    State(policy): State<InstancePolicy>,
    req: Request,
    next: Next,
) -> Response {
    body_limit::limit_body(req, |req| {
        headers::response_headers(&policy, req, |req| next.run(req))
    })
    .await
}

pub(crate) async fn guards(State(state): State<AppState>, req: Request, next: Next) -> Response {
    rate_limit::limit_requests(&state, req, |req| {
        auth::csrf::refuse_cross_site(&state, req, |req| {
            pages::form_csrf::form_token_to_header(req, |req| next.run(req))
        })
    })
    .await
}

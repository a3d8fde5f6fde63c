//! Failed authorization as a security event of the structured log (checklist H1).

use crate::AppState;
use axum::extract::{ConnectInfo, Request};
use axum::http::StatusCode;
use axum::response::Response;
use std::net::SocketAddr;

/// Logs every refused request (403) at `warn` under the `flowsense::audit` target, with the
/// client's address and the outcome. It runs inside the request's span, which carries the
/// method, the route template, the request id and, once known, the user and organisation; the
/// log's timestamps are UTC.
pub(crate) async fn log_refusals<F: Future<Output = Response>>(
    state: &AppState,
    request: Request,
    next: impl FnOnce(Request) -> F,
) -> Response {
    let ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(
            || "unknown".to_owned(),
            |c| {
                state
                    .settings
                    .trusted_proxies
                    .client_ip(c.0.ip(), request.headers())
                    .to_string()
            },
        );
    let response = next(request).await;
    if response.status() == StatusCode::FORBIDDEN {
        tracing::warn!(
            target: "flowsense::audit",
            action = "authz.denied",
            outcome = "denied",
            status = 403,
            ip = %ip,
            "a request was refused"
        );
    }
    response
}

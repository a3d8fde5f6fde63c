//! FlowSense HTTP surface: one router built from one route table (`routes`), one error type.

pub mod api;
pub mod auth;
mod body_limit;
mod error;
mod error_mapping;
mod export;
mod headers;
mod health;
mod metrics;
mod middleware;
mod oauth;
pub mod openapi;
mod org_path;
mod pages;
mod rate_limit;
mod request_metrics;
mod respond;
pub mod routes;
mod state;
mod tls;
pub mod uploads;
mod webhooks;

pub use error::{ApiError, ErrorCode};
pub use pages::trust::{BadSecurityContact, SecurityContact};
pub use state::{AppShared, AppState, AuthSettings, Deployment};
pub use tls::{HSTS, SelfSigned, TlsError, self_signed_tls_config, serve_tls, tls_config};

use axum::Router;
use axum::http::{HeaderName, Request};
use std::time::Duration;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// The whole application router.
pub fn router(state: AppState) -> Router {
    with_layers(routes::router(), state)
}

/// The operator routes alone (those of [`routes::Access::Signed`]: `POST /api/cron/{job}` and
/// `GET /metrics`), for the internal listener (`FLOWSENSE_INTERNAL_ADDR`); every other path is
/// 404 there. Same middleware as [`router`].
pub fn operator_router(state: AppState) -> Router {
    with_layers(routes::operator_router(), state)
}

fn with_layers(routes: Router<AppState>, state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let policy = headers::InstancePolicy::of(&state);
    let count_requests = request_metrics::CountRequestsLayer(state.request_metrics.clone());
    routes
        .fallback(error::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::guards,
        ))
        .with_state(state.clone())
        .layer(
            ServiceBuilder::new()
                .layer(count_requests)
                .layer(SetSensitiveRequestHeadersLayer::new([
                    axum::http::header::AUTHORIZATION,
                    axum::http::header::COOKIE,
                ]))
                .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                        let route = req
                            .extensions()
                            .get::<axum::extract::MatchedPath>()
                            .map_or("unmatched", |p| p.as_str());
                        let id = req
                            .headers()
                            .get("x-request-id")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("");
                        // The route template, never the raw path (it may carry ids or queries).
                        // The extractors record the organisation and user once they know them.
                        tracing::info_span!(
                            "request",
                            method = %req.method(),
                            route,
                            request_id = id,
                            org = tracing::field::Empty,
                            user = tracing::field::Empty,
                        )
                    }),
                )
                .layer(PropagateRequestIdLayer::new(request_id))
                .layer(axum::middleware::from_fn_with_state(
                    state,
                    middleware::answers,
                ))
                .layer(CatchPanicLayer::custom(error::panic_response))
                .layer(TimeoutLayer::with_status_code(
                    axum::http::StatusCode::SERVICE_UNAVAILABLE,
                    Duration::from_secs(30),
                ))
                // Closest to the handler of the layers here (a ServiceBuilder's later layers
                // wrap closer to it): the instance's policy is set before the defaults fill in.
                .layer(axum::middleware::from_fn_with_state(
                    policy,
                    middleware::envelope,
                )),
        )
}

/// Serves `router` over plain HTTP on `listener` until `shutdown` resolves (no HSTS; put a TLS
/// proxy in front, or use [`serve_tls`]).
///
/// # Errors
/// When the listener fails.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_router(listener, router(state), shutdown).await
}

/// Serves [`operator_router`] over plain HTTP on `listener` (an internal address, not the
/// public ingress) until `shutdown` resolves.
///
/// # Errors
/// When the listener fails.
pub async fn serve_operator(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_router(listener, operator_router(state), shutdown).await
}

async fn serve_router(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

//! Cross-site request refusal for every state-changing `/api/v1` request: a browser that says the
//! request is cross-site (`Sec-Fetch-Site`) or names another `Origin` is turned away before any
//! handler runs. Cookie-authenticated calls must also carry the session's `X-CSRF-Token` (checked
//! where the session is resolved, in `extract.rs`).

use crate::{ApiError, AppState, ErrorCode};
use axum::extract::Request;
use axum::http::{Method, header};
use axum::response::{IntoResponse, Response};

pub(crate) async fn refuse_cross_site<F: Future<Output = Response>>(
    state: &AppState,
    req: Request,
    next: impl FnOnce(Request) -> F,
) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next(req).await;
    }
    let headers = req.headers();
    let cross_site = headers
        .get("sec-fetch-site")
        .is_some_and(|site| !matches!(site.as_bytes(), b"same-origin" | b"none"));
    let foreign_origin = headers
        .get(header::ORIGIN)
        .is_some_and(|origin| origin.as_bytes() != state.settings.public_origin().as_bytes());
    if cross_site || foreign_origin {
        return ApiError::Forbidden(ErrorCode::Csrf).into_response();
    }
    next(req).await
}

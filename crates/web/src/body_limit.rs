//! The cap on request bodies: each route's own limit from the route table (25 MiB for every
//! route but the uploads), 25 MiB for a path no route matches. A declared length over the cap is refused before the body is read; a body that
//! grows past it while streaming fails its reader, which answers 413 as well.

use crate::ApiError;
use crate::routes::DEFAULT_BODY_LIMIT;
use axum::body::Body;
use axum::extract::{MatchedPath, Request};
use axum::http::header;
use axum::response::{IntoResponse, Response};

pub(crate) async fn limit_body<F: Future<Output = Response>>(
    req: Request,
    next: impl FnOnce(Request) -> F,
) -> Response {
    let limit = req
        .extensions()
        .get::<MatchedPath>()
        .and_then(|p| crate::routes::spec_of(p.as_str()))
        .map_or(DEFAULT_BODY_LIMIT, |spec| spec.body_limit);
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return too_large(limit).into_response();
    }
    next(req.map(|b| Body::new(http_body_util::Limited::new(b, limit)))).await
}

/// The 413 for a body over `limit` bytes, saying how large it may be.
pub(crate) fn too_large(limit: usize) -> ApiError {
    if limit > DEFAULT_BODY_LIMIT {
        crate::uploads::too_large()
    } else {
        ApiError::PayloadTooLarge(format!(
            "requests up to {} MB are accepted here",
            (limit >> 20).max(1)
        ))
    }
}

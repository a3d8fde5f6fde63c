//! The cap on request bodies: 25 MiB for every route, more for the upload routes the registry
//! names. A declared length over the cap is refused before the body is read; a body that
//! grows past it while streaming fails its reader, which answers 413 as well.

use crate::ApiError;
use axum::body::Body;
use axum::extract::{MatchedPath, Request};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Hard cap on any request body that is not an upload.
pub(crate) const MAX_BODY_BYTES: usize = 25 << 20;

pub(crate) async fn limit_body(req: Request, next: Next) -> Response {
    let limit = req
        .extensions()
        .get::<MatchedPath>()
        .and_then(|p| crate::api::upload_limit(p.as_str()))
        .unwrap_or(MAX_BODY_BYTES);
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return too_large(limit).into_response();
    }
    next.run(req.map(|b| Body::new(http_body_util::Limited::new(b, limit))))
        .await
}

/// The 413 for a body over `limit` bytes, saying how large it may be.
pub(crate) fn too_large(limit: usize) -> ApiError {
    if limit > MAX_BODY_BYTES {
        crate::service::uploads::too_large()
    } else {
        ApiError::PayloadTooLarge(format!(
            "requests up to {} MB are accepted here",
            (limit >> 20).max(1)
        ))
    }
}

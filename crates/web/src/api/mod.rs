//! The JSON API under `/api/v1`: its handlers (registered in [`crate::routes`]), the JSON body
//! extractor and the shared JSON answers.

pub(crate) mod auth;
pub(crate) mod books;
pub(crate) mod cron;
pub(crate) mod imports;
pub(crate) mod me;
pub(crate) mod orgs;
pub(crate) mod own_data;

pub use cron::CronEndpoint;
pub(crate) use own_data::own_data_download;

use crate::auth::session::Issued;
use crate::auth::session::session_cookie;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

/// The largest JSON body a handler buffers (axum's default for `Json`).
const JSON_BODY_LIMIT: usize = 2 << 20;

/// A JSON body whose rejections use the API's error shape: 413 past [`JSON_BODY_LIMIT`], 422
/// for anything that is not the expected JSON.
pub(crate) struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        Json::<T>::from_request(req, state)
            .await
            .map(|Json(v)| Body(v))
            .map_err(|e| {
                if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    crate::body_limit::too_large(JSON_BODY_LIMIT)
                } else {
                    ApiError::Unprocessable(e.body_text())
                }
            })
    }
}

/// A JSON answer that also hands the browser a (new) session cookie.
pub(crate) fn with_session(state: &AppState, issued: &Issued, body: serde_json::Value) -> Response {
    let mut r = Json(body).into_response();
    let h = r.headers_mut();
    h.insert(header::SET_COOKIE, session_cookie(state, &issued.token));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// The streamed export as a JSON attachment that no cache keeps.
pub(crate) fn download(export: crate::service::org_data::Export) -> Response {
    let mut r = axum::body::Body::from_stream(export.body).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", export.file_name))
    {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

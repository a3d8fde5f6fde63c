//! The JSON API under `/api/v1`: its handlers (registered in [`crate::routes`]), the JSON body
//! extractor and the shared JSON answers.

pub(crate) mod answers;
pub(crate) mod assistant;
pub(crate) mod auth;
pub(crate) mod books;
pub(crate) mod connections;
pub(crate) mod corrections;
pub(crate) mod cron;
pub(crate) mod imports;
pub(crate) mod me;
pub(crate) mod orgs;
pub(crate) mod own_data;
pub(crate) mod passkeys;
pub(crate) mod planned;
pub(crate) mod rates;
pub(crate) mod scenarios;

pub use cron::CronEndpoint;

use crate::ApiError;
use axum::Json;
use axum::extract::{FromRequest, Request};
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

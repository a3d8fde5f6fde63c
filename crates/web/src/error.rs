//! One error type for every handler, with one status mapping and one response shape:
//! `{"error": {"code", "message"}}`. 4xx carry a safe message; 5xx log the cause chain and
//! answer with a generic body.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use flowsense_storage::StorageError;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    #[error("service unavailable")]
    Unavailable,
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            ApiError::NotFound => "not_found",
            ApiError::BadRequest(_) => "bad_request",
            ApiError::Unavailable => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NotFound => ApiError::NotFound,
            other => ApiError::Internal(Box::new(other)),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = if status.is_server_error() {
            let mut chain = String::new();
            let mut cause: Option<&dyn std::error::Error> = Some(&self);
            while let Some(c) = cause {
                if !chain.is_empty() {
                    chain.push_str(": ");
                }
                chain.push_str(&c.to_string());
                cause = c.source();
            }
            tracing::error!(error = %chain, "request failed");
            "something went wrong on our side".to_owned()
        } else {
            self.to_string()
        };
        (
            status,
            Json(json!({"error": {"code": self.code(), "message": message}})),
        )
            .into_response()
    }
}

pub(crate) async fn not_found() -> ApiError {
    ApiError::NotFound
}

pub(crate) fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    // The panic message may hold data; it is not echoed, and tracing records that it happened.
    tracing::error!("handler panicked");
    ApiError::Internal("handler panicked".into()).into_response()
}

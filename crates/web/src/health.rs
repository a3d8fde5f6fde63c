//! Liveness and readiness.

use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use flowsense_service::instance;
use serde_json::{Value, json};

/// The process is up (a constant body: load balancers ask often).
pub(crate) async fn healthz() -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        r#"{"status":"ok"}"#,
    )
}

/// The process can serve: its database answers and its schema is current.
pub(crate) async fn readyz(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    instance::readiness(&state).await.map_err(|e| {
        tracing::warn!(error = %flowsense_core::ErrorChain(&e), "readiness check failed");
        ApiError::Unavailable
    })?;
    Ok(Json(json!({"status": "ready"})))
}

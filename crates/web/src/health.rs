//! Liveness and readiness.

use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::State;
use flowsense_service::instance;
use serde_json::{Value, json};

/// The process is up.
pub(crate) async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// The process can serve: its database answers and its schema is current.
pub(crate) async fn readyz(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    instance::readiness(&state).await.map_err(|e| {
        tracing::warn!(error = %flowsense_core::ErrorChain(&e), "readiness check failed");
        ApiError::Unavailable
    })?;
    Ok(Json(json!({"status": "ready"})))
}

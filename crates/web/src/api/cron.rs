//! `POST /api/cron/{job}`: an outside scheduler (a systemd timer, a Kubernetes CronJob) starts a
//! periodic job with a signed request (`flowsense_jobs::cron` defines the signature). The job is
//! enqueued for its current period with the scheduler's idempotency key, so a cron call and the
//! embedded scheduler together still run it once per period.
//!
//! 404 when no `FLOWSENSE_CRON_SECRET` is configured; 401, running nothing, for an unsigned,
//! forged, stale or replayed request; 404 for a job that is not a periodic kind; 202 with the
//! ids of the enqueued (or already enqueued) jobs.

use crate::{ApiError, AppState, ErrorCode};
use axum::Json;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use flowsense_jobs::Scheduler;
use flowsense_jobs::cron::{
    CronRejection, CronRequest, NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER,
    verify_cron_request,
};
use secrecy::SecretString;
use std::sync::Arc;

/// What the cron route needs: the secrets it accepts (two during a rotation) and the scheduler
/// whose periodic kinds it may start.
pub struct CronEndpoint {
    pub secrets: Vec<SecretString>,
    pub scheduler: Arc<Scheduler>,
}

impl std::fmt::Debug for CronEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CronEndpoint")
            .field("secrets", &self.secrets.len())
            .finish_non_exhaustive()
    }
}

pub(crate) async fn trigger(
    State(state): State<AppState>,
    Path(job): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Some(cron) = state.cron.clone() else {
        return Err(ApiError::NotFound);
    };
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let request = CronRequest {
        method: "POST",
        path: uri.path(),
        timestamp: header(TIMESTAMP_HEADER),
        nonce: header(NONCE_HEADER),
        signature_hex: header(SIGNATURE_HEADER),
    };
    match verify_cron_request(&state.store, &cron.secrets, &request, state.now()).await {
        Ok(()) => {}
        Err(CronRejection::Storage(e)) => return Err(ApiError::internal(e)),
        Err(rejection) => {
            tracing::warn!(reason = %rejection, "refused a cron request");
            return Err(ApiError::Unauthorized(ErrorCode::Unauthenticated));
        }
    }
    let jobs = match cron.scheduler.enqueue_current(&job).await {
        Ok(Some(jobs)) => jobs,
        Ok(None) => return Err(ApiError::NotFound),
        Err(e) => return Err(ApiError::internal(e)),
    };
    let ids: Vec<i64> = jobs.iter().map(|(id, _)| id.0).collect();
    Ok((
        StatusCode::ACCEPTED,
        Json(serde_json::json!({ "job_ids": ids })),
    )
        .into_response())
}

//! `/api/v1/me` own data: notification preferences, the export of everything held about the
//! user, and account deletion.

use super::Body;
use crate::auth::session::forget_session;
use crate::auth::{ClientInfo, CurrentUser, RecentAuth};
use flowsense_service::identity::notifications::{self, NotificationsPatch, OrgNotifications};
use flowsense_service::identity::own_data;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

pub(crate) async fn notifications(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Json<Vec<OrgNotifications>>, ApiError> {
    Ok(Json(notifications::list(&state, &current).await?))
}

pub(crate) async fn update_notifications(
    State(state): State<AppState>,
    current: CurrentUser,
    Body(patch): Body<NotificationsPatch>,
) -> Result<Json<Vec<OrgNotifications>>, ApiError> {
    notifications::set(&state, &current, &patch.org_id, patch.weekly_digest).await?;
    Ok(Json(notifications::list(&state, &current).await?))
}

/// `GET /api/v1/me/export` (step-up).
pub(crate) async fn export(
    State(state): State<AppState>,
    current: CurrentUser,
    _: RecentAuth,
    client: ClientInfo,
) -> Result<Response, ApiError> {
    own_data_download(&state, &current, &client).await
}

/// The export of everything held about the user as a download: a dated file name, never
/// cached. The API and the profile page's form both answer with it.
pub(crate) async fn own_data_download(
    state: &AppState,
    current: &CurrentUser,
    client: &ClientInfo,
) -> Result<Response, ApiError> {
    let export = own_data::export(state, current, client).await?;
    let body = serde_json::to_vec_pretty(&export).map_err(ApiError::internal)?;
    let name = format!(
        "attachment; filename=\"flowsense-export-{}.json\"",
        export.exported_at.format("%Y-%m-%d")
    );
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&name).map_err(ApiError::internal)?,
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

/// Deletes the account; the browser forgets the session cookie.
pub(crate) async fn delete_account(
    State(state): State<AppState>,
    current: CurrentUser,
    _: RecentAuth,
    client: ClientInfo,
) -> Result<Response, ApiError> {
    own_data::delete_account(&state, &current, &client).await?;
    Ok(forget_session(
        &state,
        StatusCode::NO_CONTENT.into_response(),
    ))
}

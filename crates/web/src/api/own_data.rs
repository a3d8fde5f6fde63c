//! `/api/v1/me` own data: notification preferences, the export of everything held about the
//! user, and account deletion.

use super::Body;
use crate::auth::session::forget_session;
use crate::auth::{ClientInfo, CurrentUser, RecentAuth};
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use flowsense_service::identity::notifications::{self, NotificationsPatch, OrgNotifications};
use flowsense_service::identity::own_data;

#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "me", responses((status = 200, body = Vec<OrgNotifications>)))]
pub(crate) async fn notifications(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Json<Vec<OrgNotifications>>, ApiError> {
    Ok(Json(notifications::list(&state, &current).await?))
}

#[utoipa::path(patch, path = "/api/v1/me/notifications", tag = "me", request_body = NotificationsPatch, responses((status = 200, body = Vec<OrgNotifications>)))]
pub(crate) async fn update_notifications(
    State(state): State<AppState>,
    current: CurrentUser,
    Body(patch): Body<NotificationsPatch>,
) -> Result<Json<Vec<OrgNotifications>>, ApiError> {
    notifications::set(&state, &current, &patch.org_id, patch.weekly_digest).await?;
    Ok(Json(notifications::list(&state, &current).await?))
}

/// `GET /api/v1/me/export` (step-up).
#[utoipa::path(get, path = "/api/v1/me/export", tag = "me", responses((status = 200, body = serde_json::Value, description = "Everything held about the user, as a JSON download")))]
pub(crate) async fn export(
    State(state): State<AppState>,
    current: CurrentUser,
    _: RecentAuth,
    client: ClientInfo,
) -> Result<Response, ApiError> {
    crate::respond::own_data_download(&state, &current, &client).await
}

/// Deletes the account; the browser forgets the session cookie.
#[utoipa::path(delete, path = "/api/v1/me", tag = "me", responses((status = 204, description = "Done")))]
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

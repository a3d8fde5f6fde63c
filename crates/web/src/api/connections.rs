//! `/api/v1/orgs/{org}/connections`: see an organisation's QuickBooks and Xero connections
//! (every role), start connecting one (admins; the answer is the provider URL to open in the
//! same browser session), disconnect one and start a sync (admins).

use super::Body;
use super::answers::{AuthorizeUrlAnswer, JobAnswer};
use crate::auth::{Admin, ClientInfo, RecentAuth, Viewer};
use crate::error::path_id;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use flowsense_service::connections::{self, Provider};
use flowsense_storage::Connection;
use serde::Deserialize;

#[utoipa::path(get, path = "/api/v1/orgs/{org}/connections", tag = "connections", responses((status = 200, body = Vec<Connection>)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    who: Viewer,
) -> Result<Json<Vec<Connection>>, ApiError> {
    Ok(Json(connections::list(&state, &who).await?))
}

#[utoipa::path(get, path = "/api/v1/orgs/{org}/connections/{id}", tag = "connections", responses((status = 200, body = Connection)))]
pub(crate) async fn one(
    State(state): State<AppState>,
    who: Viewer,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<Connection>, ApiError> {
    Ok(Json(connections::one(&state, &who, path_id(&id)?).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConnectInput {
    /// `quickbooks` or `xero`.
    provider: String,
}

/// 201 `{"authorize_url"}`: open it in the browser whose session made this call.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/connections", tag = "connections", request_body = ConnectInput, responses((status = 201, body = super::answers::AuthorizeUrlAnswer)))]
pub(crate) async fn connect(
    State(state): State<AppState>,
    who: Admin,
    _: RecentAuth,
    client: ClientInfo,
    Body(input): Body<ConnectInput>,
) -> Result<Response, ApiError> {
    let provider: Provider = input
        .provider
        .parse()
        .map_err(|_| ApiError::Unprocessable("provider must be quickbooks or xero".into()))?;
    let started =
        connections::begin_connect(&state, &who, provider, client.presented_session.as_deref())
            .await?;
    Ok((
        StatusCode::CREATED,
        Json(AuthorizeUrlAnswer {
            authorize_url: started.authorize_url,
        }),
    )
        .into_response())
}

#[utoipa::path(delete, path = "/api/v1/orgs/{org}/connections/{id}", tag = "connections", responses((status = 200, body = Connection)))]
pub(crate) async fn disconnect(
    State(state): State<AppState>,
    who: Admin,
    _: RecentAuth,
    client: ClientInfo,
    Path((_, id)): Path<(String, String)>,
) -> Result<Json<Connection>, ApiError> {
    Ok(Json(
        connections::disconnect(&state, &who, path_id(&id)?, &client.ip).await?,
    ))
}

/// 202 `{"job_id"}`.
#[utoipa::path(post, path = "/api/v1/orgs/{org}/connections/{id}/sync", tag = "connections", responses((status = 202, body = super::answers::JobAnswer)))]
pub(crate) async fn sync(
    State(state): State<AppState>,
    who: Admin,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let job = connections::sync_now(&state, &who, path_id(&id)?).await?;
    Ok((StatusCode::ACCEPTED, Json(JobAnswer { job_id: job.id.0 })).into_response())
}

//! `/api/v1/orgs/*` and `/api/v1/invitations/*`.

use super::Body;
use crate::auth::{Admin, ClientInfo, CurrentUser, RecentAuth, Viewer};
use crate::service::members::{self, Accepted, InviteInput, RoleInput, TransferInput};
use crate::service::orgs::{self, NewOrgInput, SettingsPatch};
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use flowsense_storage::{AuditEvent, Invitation, MemberDetail, Organisation};
use serde::Deserialize;

pub(super) async fn create(
    State(state): State<AppState>,
    current: CurrentUser,
    client: ClientInfo,
    Body(input): Body<NewOrgInput>,
) -> Result<Response, ApiError> {
    let org = orgs::create(&state, &current, input, &client).await?;
    Ok((StatusCode::CREATED, Json(org)).into_response())
}

pub(super) async fn members(
    State(state): State<AppState>,
    who: Viewer,
) -> Result<Json<Vec<MemberDetail>>, ApiError> {
    Ok(Json(members::list(&state, &who).await?))
}

pub(super) async fn change_role(
    State(state): State<AppState>,
    who: Admin,
    _: RecentAuth,
    client: ClientInfo,
    Path((_, user)): Path<(String, String)>,
    Body(input): Body<RoleInput>,
) -> Result<Json<MemberDetail>, ApiError> {
    Ok(Json(
        members::change_role(&state, &who, &user, input.role, &client).await?,
    ))
}

pub(super) async fn remove_member(
    State(state): State<AppState>,
    who: Admin,
    _: RecentAuth,
    client: ClientInfo,
    Path((_, user)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    members::remove(&state, &who, &user, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn transfer_ownership(
    State(state): State<AppState>,
    who: Admin,
    _: RecentAuth,
    client: ClientInfo,
    Body(input): Body<TransferInput>,
) -> Result<StatusCode, ApiError> {
    members::transfer_ownership(&state, &who, input, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn invite(
    State(state): State<AppState>,
    who: Admin,
    client: ClientInfo,
    Body(input): Body<InviteInput>,
) -> Result<Response, ApiError> {
    let inv: Invitation = members::invite(&state, &who, input, &client).await?;
    Ok((StatusCode::CREATED, Json(inv)).into_response())
}

#[derive(Deserialize)]
pub(super) struct TokenInput {
    token: String,
}

pub(super) async fn accept_invitation(
    State(state): State<AppState>,
    current: CurrentUser,
    client: ClientInfo,
    Body(input): Body<TokenInput>,
) -> Result<Json<Accepted>, ApiError> {
    Ok(Json(
        members::accept(&state, &current, &input.token, &client).await?,
    ))
}

pub(super) async fn settings(
    State(state): State<AppState>,
    who: Viewer,
) -> Result<Json<Organisation>, ApiError> {
    Ok(Json(orgs::settings(&state, &who).await?))
}

pub(super) async fn update_settings(
    State(state): State<AppState>,
    who: Admin,
    client: ClientInfo,
    Body(patch): Body<SettingsPatch>,
) -> Result<Json<Organisation>, ApiError> {
    Ok(Json(
        orgs::update_settings(&state, &who, patch, &client).await?,
    ))
}

#[derive(Deserialize)]
pub(super) struct AuditQuery {
    limit: Option<u32>,
}

pub(super) async fn audit(
    State(state): State<AppState>,
    who: Admin,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Vec<AuditEvent>>, ApiError> {
    Ok(Json(orgs::audit_log(&state, &who, q.limit).await?))
}

//! `/api/v1/orgs/*` and `/api/v1/invitations/*`.

use super::Body;
use crate::auth::{Admin, ClientInfo, CurrentUser, RecentAuth, Viewer};
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use flowsense_service::orgs::data::{self, DeleteInput};
use flowsense_service::orgs::lifecycle::{self, NewOrgInput};
use flowsense_service::orgs::members::{self, Accepted, InviteInput, RoleInput, TransferInput};
use flowsense_service::orgs::settings::{self, SettingsPatch};
use flowsense_storage::{AuditFilter, AuditPage, Invitation, MemberDetail, Organisation};
use serde::Deserialize;

#[utoipa::path(post, path = "/api/v1/orgs", tag = "orgs", request_body = NewOrgInput, responses((status = 201, body = Organisation)))]
pub(crate) async fn create(
    State(state): State<AppState>,
    current: CurrentUser,
    client: ClientInfo,
    Body(input): Body<NewOrgInput>,
) -> Result<Response, ApiError> {
    let org = lifecycle::create(&state, &current, input, &client).await?;
    Ok((StatusCode::CREATED, Json(org)).into_response())
}

#[utoipa::path(get, path = "/api/v1/orgs/{org}/members", tag = "members", responses((status = 200, body = Vec<MemberDetail>)))]
pub(crate) async fn members(
    State(state): State<AppState>,
    who: Viewer,
) -> Result<Json<Vec<MemberDetail>>, ApiError> {
    Ok(Json(members::list(&state, &who).await?))
}

#[utoipa::path(patch, path = "/api/v1/orgs/{org}/members/{user}", tag = "members", request_body = RoleInput, responses((status = 200, body = MemberDetail)))]
pub(crate) async fn change_role(
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

#[utoipa::path(delete, path = "/api/v1/orgs/{org}/members/{user}", tag = "members", responses((status = 204, description = "Done")))]
pub(crate) async fn remove_member(
    State(state): State<AppState>,
    who: Admin,
    _: RecentAuth,
    client: ClientInfo,
    Path((_, user)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    members::remove(&state, &who, &user, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/v1/orgs/{org}/members/{user}/sessions", tag = "members", responses((status = 204, description = "Every session of the member ended")))]
pub(crate) async fn end_member_sessions(
    State(state): State<AppState>,
    who: Admin,
    client: ClientInfo,
    Path((_, user)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    members::end_sessions(&state, &who, &user, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/orgs/{org}/ownership", tag = "members", request_body = TransferInput, responses((status = 204, description = "Done")))]
pub(crate) async fn transfer_ownership(
    State(state): State<AppState>,
    who: Admin,
    _: RecentAuth,
    client: ClientInfo,
    Body(input): Body<TransferInput>,
) -> Result<StatusCode, ApiError> {
    members::transfer_ownership(&state, &who, input, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/orgs/{org}/invitations", tag = "members", request_body = InviteInput, responses((status = 201, body = Invitation)))]
pub(crate) async fn invite(
    State(state): State<AppState>,
    who: Admin,
    client: ClientInfo,
    Body(input): Body<InviteInput>,
) -> Result<Response, ApiError> {
    let inv: Invitation = members::invite(&state, &who, input, &client).await?;
    Ok((StatusCode::CREATED, Json(inv)).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TokenInput {
    token: String,
}

#[utoipa::path(post, path = "/api/v1/invitations/accept", tag = "members", request_body = TokenInput, responses((status = 200, body = Accepted)))]
pub(crate) async fn accept_invitation(
    State(state): State<AppState>,
    current: CurrentUser,
    client: ClientInfo,
    Body(input): Body<TokenInput>,
) -> Result<Json<Accepted>, ApiError> {
    Ok(Json(
        members::accept(&state, &current, &input.token, &client).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/orgs/{org}/invitations", tag = "members", responses((status = 200, body = Vec<Invitation>)))]
pub(crate) async fn invitations(
    State(state): State<AppState>,
    who: Admin,
) -> Result<Json<Vec<Invitation>>, ApiError> {
    Ok(Json(members::open_invitations(&state, &who).await?))
}

#[utoipa::path(delete, path = "/api/v1/orgs/{org}/invitations/{id}", tag = "members", responses((status = 204, description = "Done")))]
pub(crate) async fn revoke_invitation(
    State(state): State<AppState>,
    who: Admin,
    client: ClientInfo,
    Path((_, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    members::revoke_invitation(&state, &who, &id, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/orgs/{org}/settings", tag = "orgs", responses((status = 200, body = Organisation)))]
pub(crate) async fn settings(
    State(state): State<AppState>,
    who: Viewer,
) -> Result<Json<Organisation>, ApiError> {
    Ok(Json(settings::settings(&state, &who).await?))
}

#[utoipa::path(patch, path = "/api/v1/orgs/{org}/settings", tag = "orgs", request_body = SettingsPatch, responses((status = 200, body = Organisation)))]
pub(crate) async fn update_settings(
    State(state): State<AppState>,
    who: Admin,
    client: ClientInfo,
    Body(patch): Body<SettingsPatch>,
) -> Result<Json<Organisation>, ApiError> {
    Ok(Json(
        settings::update_settings(&state, &who, patch, &client).await?,
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AuditQuery {
    /// At most this many events (default 200).
    limit: Option<u32>,
    /// Only events of this action (`member.invited`, ...).
    action: Option<String>,
    /// The previous page's `next_cursor`.
    cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/orgs/{org}/audit", tag = "orgs", params(AuditQuery), responses((status = 200, body = AuditPage)))]
pub(crate) async fn audit(
    State(state): State<AppState>,
    who: Admin,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Json<AuditPage>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let before = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => Some(
            c.parse()
                .map_err(|_| ApiError::BadRequest("the cursor is not valid".into()))?,
        ),
        None => None,
    };
    let filter = AuditFilter {
        action: q.action,
        before,
        limit: q.limit.unwrap_or(200),
    };
    Ok(Json(lifecycle::audit_log(&state, &who, &filter).await?))
}

/// `GET /api/v1/orgs/{org}/export`: the organisation's JSON document, streamed as a download.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/export", tag = "orgs", responses((status = 200, body = serde_json::Value, description = "The organisation's data as one JSON document, as a download")))]
pub(crate) async fn export(
    State(state): State<AppState>,
    who: Admin,
    _: RecentAuth,
    client: ClientInfo,
) -> Result<Response, ApiError> {
    let export = data::export(&state, &who, &client).await?;
    Ok(crate::respond::org_export_download(export))
}

/// `DELETE /api/v1/orgs/{org}` with `{"confirm": "<the organisation's name>"}`.
#[utoipa::path(delete, path = "/api/v1/orgs/{org}", tag = "orgs", request_body = DeleteInput, responses((status = 204, description = "Done")))]
pub(crate) async fn delete(
    State(state): State<AppState>,
    who: Admin,
    _: RecentAuth,
    Body(input): Body<DeleteInput>,
) -> Result<StatusCode, ApiError> {
    data::delete(&state, &who, &input).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/orgs/{org}/sso", tag = "orgs", responses((status = 200, body = flowsense_storage::OrgSsoPolicy)))]
pub(crate) async fn sso_policy(
    State(state): State<AppState>,
    who: Admin,
) -> Result<Json<flowsense_storage::OrgSsoPolicy>, ApiError> {
    Ok(Json(
        flowsense_service::identity::sso::policy(&state, who.org).await?,
    ))
}

#[utoipa::path(put, path = "/api/v1/orgs/{org}/sso", tag = "orgs", request_body = flowsense_service::identity::sso::PolicyInput, responses((status = 200, body = flowsense_storage::OrgSsoPolicy)))]
pub(crate) async fn set_sso_policy(
    State(state): State<AppState>,
    who: Admin,
    _: RecentAuth,
    client: ClientInfo,
    Body(input): Body<flowsense_service::identity::sso::PolicyInput>,
) -> Result<Json<flowsense_storage::OrgSsoPolicy>, ApiError> {
    Ok(Json(
        flowsense_service::identity::sso::set_policy(&state, who.org, who.user, input, &client)
            .await?,
    ))
}

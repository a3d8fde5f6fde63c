//! `/api/v1/me/*`: the signed-in user's profile, MFA, sessions and API tokens.

use super::Body;
use super::answers::{RecoveryCodesAnswer, RevokedAnswer};
use crate::auth::{ClientInfo, CurrentUser, RecentAuth};
use crate::respond::json_with_session;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use flowsense_service::identity::mfa::Enrolment;
use flowsense_service::identity::sessions::SessionView;
use flowsense_service::identity::tokens::{CreatedToken, NewTokenInput};
use flowsense_service::identity::{mfa, sessions, tokens};
use flowsense_service::orgs::lifecycle as orgs;
use flowsense_service::orgs::lifecycle::Me;
use flowsense_storage::ApiToken;
use serde::Deserialize;

#[utoipa::path(get, path = "/api/v1/me", tag = "me", responses((status = 200, body = Me)))]
pub(crate) async fn me(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Json<Me>, ApiError> {
    Ok(Json(orgs::me(&state, &current).await?))
}

#[utoipa::path(post, path = "/api/v1/me/mfa/enrol", tag = "me", responses((status = 200, body = Enrolment)))]
pub(crate) async fn mfa_enrol(
    State(state): State<AppState>,
    current: CurrentUser,
    recent: RecentAuth,
) -> Result<Json<Enrolment>, ApiError> {
    Ok(Json(mfa::enrol(&state, &current, &recent).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CodeInput {
    code: String,
}

#[utoipa::path(post, path = "/api/v1/me/mfa/verify", tag = "me", request_body = CodeInput, responses((status = 200, body = super::answers::RecoveryCodesAnswer)))]
pub(crate) async fn mfa_verify(
    State(state): State<AppState>,
    current: CurrentUser,
    recent: RecentAuth,
    client: ClientInfo,
    Body(input): Body<CodeInput>,
) -> Result<Response, ApiError> {
    let (codes, issued) = mfa::verify(&state, &current, &input.code, &recent, &client).await?;
    Ok(json_with_session(
        &state,
        &issued,
        serde_json::to_value(RecoveryCodesAnswer {
            recovery_codes: codes,
            csrf_token: issued.csrf_token.clone(),
        })
        .unwrap_or_default(),
    ))
}

#[utoipa::path(delete, path = "/api/v1/me/mfa", tag = "me", responses((status = 204, description = "Done")))]
pub(crate) async fn mfa_disable(
    State(state): State<AppState>,
    current: CurrentUser,
    recent: RecentAuth,
    client: ClientInfo,
) -> Result<StatusCode, ApiError> {
    mfa::disable(&state, &current, &recent, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/me/sessions", tag = "me", responses((status = 200, body = Vec<SessionView>)))]
pub(crate) async fn sessions(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Json<Vec<SessionView>>, ApiError> {
    Ok(Json(sessions::list(&state, &current).await?))
}

#[utoipa::path(delete, path = "/api/v1/me/sessions", tag = "me", responses((status = 200, body = super::answers::RevokedAnswer)))]
pub(crate) async fn revoke_other_sessions(
    State(state): State<AppState>,
    current: CurrentUser,
    client: ClientInfo,
) -> Result<Json<RevokedAnswer>, ApiError> {
    let revoked = sessions::revoke_others(&state, &current, &client).await?;
    Ok(Json(RevokedAnswer { revoked }))
}

#[utoipa::path(delete, path = "/api/v1/me/sessions/{id}", tag = "me", responses((status = 204, description = "Done")))]
pub(crate) async fn revoke_session(
    State(state): State<AppState>,
    current: CurrentUser,
    client: ClientInfo,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    sessions::revoke_one(&state, &current, &id, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/me/tokens", tag = "me", request_body = NewTokenInput, responses((status = 201, body = CreatedToken, description = "The token is shown this once")))]
pub(crate) async fn create_token(
    State(state): State<AppState>,
    current: CurrentUser,
    _: RecentAuth,
    client: ClientInfo,
    Body(input): Body<NewTokenInput>,
) -> Result<Response, ApiError> {
    let created: CreatedToken = tokens::create(&state, &current, input, &client).await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

#[utoipa::path(get, path = "/api/v1/me/tokens", tag = "me", responses((status = 200, body = Vec<ApiToken>)))]
pub(crate) async fn tokens(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Json<Vec<ApiToken>>, ApiError> {
    Ok(Json(tokens::list(&state, &current).await?))
}

#[utoipa::path(delete, path = "/api/v1/me/tokens/{id}", tag = "me", responses((status = 204, description = "Done")))]
pub(crate) async fn revoke_token(
    State(state): State<AppState>,
    current: CurrentUser,
    client: ClientInfo,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    tokens::revoke(&state, &current, &id, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

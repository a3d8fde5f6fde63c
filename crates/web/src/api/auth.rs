//! `/api/v1/auth/*`: sign-up, verification, sign-in and out, passwords, step-up.

use super::Body;
use crate::auth::session::forget_session;
use crate::auth::{ClientInfo, CurrentUser};
use crate::respond::json_with_session;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use flowsense_service::identity::accounts::{self, LoginInput, SignupInput};
use flowsense_service::identity::passwords::{self, PasswordChange, Reauthenticate, ResetConfirm};
use serde::Deserialize;
use serde_json::json;

fn accepted() -> Response {
    (
        StatusCode::ACCEPTED,
        Json(json!({"status": "check_your_email"})),
    )
        .into_response()
}

pub(crate) async fn signup(
    State(state): State<AppState>,
    client: ClientInfo,
    Body(input): Body<SignupInput>,
) -> Result<Response, ApiError> {
    accounts::signup(&state, input, &client).await?;
    Ok(accepted())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TokenInput {
    token: String,
}

pub(crate) async fn verify_email(
    State(state): State<AppState>,
    Body(input): Body<TokenInput>,
) -> Result<Json<serde_json::Value>, ApiError> {
    accounts::verify_email(&state, &input.token).await?;
    Ok(Json(json!({"status": "verified"})))
}

pub(crate) async fn login(
    State(state): State<AppState>,
    client: ClientInfo,
    Body(input): Body<LoginInput>,
) -> Result<Response, ApiError> {
    let signed_in = accounts::login(&state, input, &client).await?;
    Ok(json_with_session(
        &state,
        &signed_in.issued,
        json!({"csrf_token": signed_in.issued.csrf_token, "user": signed_in.user}),
    ))
}

pub(crate) async fn logout(
    State(state): State<AppState>,
    current: CurrentUser,
    client: ClientInfo,
) -> Result<Response, ApiError> {
    accounts::logout(&state, &current, &client).await?;
    Ok(forget_session(
        &state,
        StatusCode::NO_CONTENT.into_response(),
    ))
}

pub(crate) async fn change_password(
    State(state): State<AppState>,
    current: CurrentUser,
    client: ClientInfo,
    Body(input): Body<PasswordChange>,
) -> Result<Response, ApiError> {
    let issued = passwords::change_password(&state, &current, input, &client).await?;
    Ok(json_with_session(
        &state,
        &issued,
        json!({"csrf_token": issued.csrf_token}),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResetRequest {
    email: String,
}

pub(crate) async fn request_reset(
    State(state): State<AppState>,
    client: ClientInfo,
    Body(input): Body<ResetRequest>,
) -> Result<Response, ApiError> {
    passwords::request_password_reset(&state, &input.email, &client).await?;
    Ok(accepted())
}

pub(crate) async fn confirm_reset(
    State(state): State<AppState>,
    client: ClientInfo,
    Body(input): Body<ResetConfirm>,
) -> Result<Json<serde_json::Value>, ApiError> {
    passwords::confirm_password_reset(&state, input, &client).await?;
    Ok(Json(json!({"status": "password_changed"})))
}

pub(crate) async fn reauthenticate(
    State(state): State<AppState>,
    current: CurrentUser,
    client: ClientInfo,
    Body(input): Body<Reauthenticate>,
) -> Result<Response, ApiError> {
    let issued = passwords::reauthenticate(&state, &current, input, &client).await?;
    Ok(json_with_session(
        &state,
        &issued,
        json!({"csrf_token": issued.csrf_token}),
    ))
}

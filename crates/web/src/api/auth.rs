//! `/api/v1/auth/*`: sign-up, verification, sign-in and out, passwords, step-up.

use super::Body;
use super::answers::{CsrfAnswer, SignedInAnswer, StatusAnswer};
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

fn accepted() -> Response {
    (
        StatusCode::ACCEPTED,
        Json(StatusAnswer {
            status: "check_your_email",
        }),
    )
        .into_response()
}

/// A session answer's body.
fn body(answer: &impl serde::Serialize) -> serde_json::Value {
    serde_json::to_value(answer).unwrap_or_default()
}

#[utoipa::path(post, path = "/api/v1/auth/signup", tag = "auth", request_body = flowsense_service::identity::accounts::SignupInput, responses((status = 202, body = super::answers::StatusAnswer, description = "A confirmation e-mail is on its way")))]
pub(crate) async fn signup(
    State(state): State<AppState>,
    client: ClientInfo,
    Body(input): Body<SignupInput>,
) -> Result<Response, ApiError> {
    accounts::signup(&state, input, &client).await?;
    Ok(accepted())
}

#[utoipa::path(post, path = "/api/v1/setup", tag = "auth", request_body = flowsense_service::identity::setup::SetupInput, responses((status = 201, body = flowsense_service::identity::UserView, description = "The instance's first account, created with the one-time setup token"), (status = 400, description = "The token is invalid, expired or already used")))]
pub(crate) async fn setup(
    State(state): State<AppState>,
    client: ClientInfo,
    Body(input): Body<flowsense_service::identity::setup::SetupInput>,
) -> Result<Response, ApiError> {
    let user =
        flowsense_service::identity::setup::create_first_user(&state, input, &client).await?;
    Ok((StatusCode::CREATED, Json(user)).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TokenInput {
    token: String,
}

#[utoipa::path(post, path = "/api/v1/auth/verify-email", tag = "auth", request_body = TokenInput, responses((status = 200, body = super::answers::StatusAnswer)))]
pub(crate) async fn verify_email(
    State(state): State<AppState>,
    Body(input): Body<TokenInput>,
) -> Result<Json<StatusAnswer>, ApiError> {
    accounts::verify_email(&state, &input.token).await?;
    Ok(Json(StatusAnswer { status: "verified" }))
}

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = flowsense_service::identity::accounts::LoginInput, responses((status = 200, body = super::answers::SignedInAnswer, description = "Signed in; the session cookie is set")))]
pub(crate) async fn login(
    State(state): State<AppState>,
    client: ClientInfo,
    Body(input): Body<LoginInput>,
) -> Result<Response, ApiError> {
    let signed_in = accounts::login(&state, input, &client).await?;
    Ok(json_with_session(
        &state,
        &signed_in.issued,
        body(&SignedInAnswer {
            csrf_token: signed_in.issued.csrf_token.clone(),
            user: signed_in.user,
        }),
    ))
}

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 204, description = "Done")))]
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

#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", request_body = flowsense_service::identity::passwords::PasswordChange, responses((status = 200, body = super::answers::CsrfAnswer, description = "Changed; the other sessions end, this one is renewed")))]
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
        body(&CsrfAnswer {
            csrf_token: issued.csrf_token.clone(),
        }),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResetRequest {
    email: String,
}

#[utoipa::path(post, path = "/api/v1/auth/password-reset", tag = "auth", request_body = ResetRequest, responses((status = 202, body = super::answers::StatusAnswer)))]
pub(crate) async fn request_reset(
    State(state): State<AppState>,
    client: ClientInfo,
    Body(input): Body<ResetRequest>,
) -> Result<Response, ApiError> {
    passwords::request_password_reset(&state, &input.email, &client).await?;
    Ok(accepted())
}

#[utoipa::path(post, path = "/api/v1/auth/password-reset/confirm", tag = "auth", request_body = flowsense_service::identity::passwords::ResetConfirm, responses((status = 200, body = super::answers::StatusAnswer)))]
pub(crate) async fn confirm_reset(
    State(state): State<AppState>,
    client: ClientInfo,
    Body(input): Body<ResetConfirm>,
) -> Result<Json<StatusAnswer>, ApiError> {
    passwords::confirm_password_reset(&state, input, &client).await?;
    Ok(Json(StatusAnswer {
        status: "password_changed",
    }))
}

#[utoipa::path(post, path = "/api/v1/auth/reauthenticate", tag = "auth", request_body = flowsense_service::identity::passwords::Reauthenticate, responses((status = 200, body = super::answers::CsrfAnswer, description = "The session may take step-up actions for a while")))]
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
        body(&CsrfAnswer {
            csrf_token: issued.csrf_token.clone(),
        }),
    ))
}

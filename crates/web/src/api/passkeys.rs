//! Passkeys over JSON, for the pages' script and API clients: registering and listing them,
//! revoking one, signing in with one alone, using one as the second factor, and step-up.
//! Each ceremony is two calls: `…/options` answers a handle and the options for the browser's
//! WebAuthn call, and the second call sends the handle back with the browser's answer.

use super::Body;
use super::answers::{CsrfAnswer, SignedInAnswer};
use crate::auth::{ClientInfo, CurrentUser, RecentAuth};
use crate::respond::{json_with_session, private};
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use flowsense_service::identity::passkeys::{
    self, CeremonyStart, PasskeyProof, PasskeyView, SecondFactorStart,
};
use serde::Deserialize;

fn options(start: CeremonyStart) -> Response {
    private(Json(start).into_response())
}

/// `POST /api/v1/auth/passkey/options`: a usernameless sign-in begins.
#[utoipa::path(post, path = "/api/v1/auth/passkey/options", tag = "passkeys", responses((status = 200, body = CeremonyStart)))]
pub(crate) async fn sign_in_options(
    State(state): State<AppState>,
    client: ClientInfo,
) -> Result<Response, ApiError> {
    Ok(options(passkeys::start_sign_in(&state, &client).await?))
}

/// `POST /api/v1/auth/passkey`: the sign-in ends with a new session.
#[utoipa::path(post, path = "/api/v1/auth/passkey", tag = "passkeys", request_body = PasskeyProof, responses((status = 200, body = super::answers::SignedInAnswer)))]
pub(crate) async fn sign_in(
    State(state): State<AppState>,
    client: ClientInfo,
    Body(proof): Body<PasskeyProof>,
) -> Result<Response, ApiError> {
    let signed_in = passkeys::finish_sign_in(&state, &proof, &client).await?;
    Ok(json_with_session(
        &state,
        &signed_in.issued,
        serde_json::to_value(SignedInAnswer {
            csrf_token: signed_in.issued.csrf_token.clone(),
            user: signed_in.user,
        })
        .unwrap_or_default(),
    ))
}

/// `POST /api/v1/auth/passkey/second-factor/options`: after the password, a passkey in place of
/// the TOTP code; the answer goes to `/api/v1/auth/login` as `passkey`.
#[utoipa::path(post, path = "/api/v1/auth/passkey/second-factor/options", tag = "passkeys", request_body = SecondFactorStart, responses((status = 200, body = CeremonyStart)))]
pub(crate) async fn second_factor_options(
    State(state): State<AppState>,
    client: ClientInfo,
    Body(input): Body<SecondFactorStart>,
) -> Result<Response, ApiError> {
    Ok(options(
        passkeys::start_second_factor(&state, input, &client).await?,
    ))
}

/// `POST /api/v1/auth/reauthenticate/passkey/options`: a step-up with a passkey begins.
#[utoipa::path(post, path = "/api/v1/auth/reauthenticate/passkey/options", tag = "passkeys", responses((status = 200, body = CeremonyStart)))]
pub(crate) async fn step_up_options(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Response, ApiError> {
    Ok(options(passkeys::start_step_up(&state, &current).await?))
}

/// `POST /api/v1/auth/reauthenticate/passkey`: the step-up ends with a renewed session.
#[utoipa::path(post, path = "/api/v1/auth/reauthenticate/passkey", tag = "passkeys", request_body = PasskeyProof, responses((status = 200, body = super::answers::CsrfAnswer)))]
pub(crate) async fn step_up(
    State(state): State<AppState>,
    current: CurrentUser,
    client: ClientInfo,
    Body(proof): Body<PasskeyProof>,
) -> Result<Response, ApiError> {
    let issued = passkeys::finish_step_up(&state, &current, &proof, &client).await?;
    Ok(json_with_session(
        &state,
        &issued,
        serde_json::to_value(CsrfAnswer {
            csrf_token: issued.csrf_token.clone(),
        })
        .unwrap_or_default(),
    ))
}

/// `GET /api/v1/me/passkeys`.
#[utoipa::path(get, path = "/api/v1/me/passkeys", tag = "passkeys", responses((status = 200, body = Vec<PasskeyView>)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Json<Vec<PasskeyView>>, ApiError> {
    Ok(Json(passkeys::list(&state, &current).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NameInput {
    #[serde(default)]
    name: String,
}

/// `POST /api/v1/me/passkeys/options`: registering a passkey named `name` begins.
#[utoipa::path(post, path = "/api/v1/me/passkeys/options", tag = "passkeys", request_body = NameInput, responses((status = 200, body = CeremonyStart)))]
pub(crate) async fn register_options(
    State(state): State<AppState>,
    current: CurrentUser,
    recent: RecentAuth,
    Body(input): Body<NameInput>,
) -> Result<Response, ApiError> {
    Ok(options(
        passkeys::start_registration(&state, &current, &recent, &input.name).await?,
    ))
}

/// `POST /api/v1/me/passkeys`: the registration ends; answers the new passkey.
#[utoipa::path(post, path = "/api/v1/me/passkeys", tag = "passkeys", request_body = PasskeyProof, responses((status = 201, body = PasskeyView)))]
pub(crate) async fn register(
    State(state): State<AppState>,
    current: CurrentUser,
    recent: RecentAuth,
    client: ClientInfo,
    Body(proof): Body<PasskeyProof>,
) -> Result<Response, ApiError> {
    let created = passkeys::finish_registration(&state, &current, &recent, &proof, &client).await?;
    Ok(private(
        (StatusCode::CREATED, Json(created)).into_response(),
    ))
}

/// `DELETE /api/v1/me/passkeys/{id}`.
#[utoipa::path(delete, path = "/api/v1/me/passkeys/{id}", tag = "passkeys", responses((status = 204, description = "Done")))]
pub(crate) async fn revoke(
    State(state): State<AppState>,
    current: CurrentUser,
    recent: RecentAuth,
    client: ClientInfo,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    passkeys::revoke(&state, &current, &recent, &id, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/v1/me/password`: the account keeps its passkeys only.
#[utoipa::path(delete, path = "/api/v1/me/password", tag = "passkeys", responses((status = 204, description = "Done")))]
pub(crate) async fn remove_password(
    State(state): State<AppState>,
    current: CurrentUser,
    recent: RecentAuth,
    client: ClientInfo,
) -> Result<StatusCode, ApiError> {
    passkeys::remove_password(&state, &current, &recent, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

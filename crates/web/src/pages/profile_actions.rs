//! The profile's own actions that need no step-up: password change, a new confirmation link,
//! signing sessions out, revoking tokens, and the digest choices.

use super::account::Refusal;
use super::profile::{Extras, Section, done, refuse};
use super::profile_forms::{DigestChoices, PasswordForm, SessionChoice, TokenChoice, lenient};
use crate::auth::{ClientInfo, CurrentUser};
use crate::{ApiError, AppState};
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::response::Response;
use flowsense_service::identity::{accounts, notifications, passwords, sessions, tokens};

/// `POST /app/profile/password`: every other session is signed out; this one is renewed.
pub(crate) async fn change_password(
    State(state): State<AppState>,
    current: CurrentUser,
    client: ClientInfo,
    form: Result<Form<PasswordForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let f = lenient(form);
    let input = passwords::PasswordChange {
        current_password: f.current_password,
        new_password: f.new_password,
        revoke_tokens: f.revoke_tokens.as_deref() == Some("on"),
    };
    match passwords::change_password(&state, &current, input, &client).await {
        Ok(issued) => Ok(done(&state, "password", Some(&issued))),
        Err(e) => {
            let r = Refusal::of(e)?;
            refuse(&state, &current, Section::Password, &r, Extras::default()).await
        }
    }
}

/// `POST /app/profile/verify-email`: a new confirmation link for an unconfirmed address.
pub(crate) async fn resend_verification(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Response, ApiError> {
    match accounts::resend_verification(&state, &current).await {
        Ok(()) => Ok(done(&state, "verification-sent", None)),
        Err(e) => {
            let r = Refusal::of(e)?;
            refuse(&state, &current, Section::Account, &r, Extras::default()).await
        }
    }
}

/// `POST /app/profile/sessions/revoke`: signs one session out.
pub(crate) async fn revoke_session(
    State(state): State<AppState>,
    current: CurrentUser,
    client: ClientInfo,
    form: Result<Form<SessionChoice>, FormRejection>,
) -> Result<Response, ApiError> {
    let id = lenient(form).session;
    match sessions::revoke_one(&state, &current, &id, &client).await {
        Ok(()) => Ok(done(&state, "session", None)),
        Err(e) => {
            let r = Refusal::of(e)?;
            refuse(&state, &current, Section::Sessions, &r, Extras::default()).await
        }
    }
}

/// `POST /app/profile/sessions/revoke-others`: signs out everywhere but here.
pub(crate) async fn revoke_other_sessions(
    State(state): State<AppState>,
    current: CurrentUser,
    client: ClientInfo,
) -> Result<Response, ApiError> {
    sessions::revoke_others(&state, &current, &client).await?;
    Ok(done(&state, "sessions", None))
}

/// `POST /app/profile/tokens/revoke`.
pub(crate) async fn revoke_token(
    State(state): State<AppState>,
    current: CurrentUser,
    client: ClientInfo,
    form: Result<Form<TokenChoice>, FormRejection>,
) -> Result<Response, ApiError> {
    let id = lenient(form).token;
    match tokens::revoke(&state, &current, &id, &client).await {
        Ok(()) => Ok(done(&state, "token-revoked", None)),
        Err(e) => {
            let r = Refusal::of(e)?;
            refuse(&state, &current, Section::Tokens, &r, Extras::default()).await
        }
    }
}

/// `POST /app/profile/notifications`: the weekly digest of every organisation the form showed
/// (`shown-<org>`) is on when its box (`digest-<org>`) was ticked.
pub(crate) async fn notifications(
    State(state): State<AppState>,
    current: CurrentUser,
    form: Result<Form<DigestChoices>, FormRejection>,
) -> Result<Response, ApiError> {
    let choices = lenient(form);
    for org in notifications::list(&state, &current).await? {
        if let Some(on) = choices.weekly_digest(org.org_id) {
            notifications::set(&state, &current, &org.org_id.to_string(), on).await?;
        }
    }
    Ok(done(&state, "notifications", None))
}

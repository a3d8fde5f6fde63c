//! TOTP enrolment, verification and removal.

use super::audit;
use crate::auth::limits::take;
use crate::auth::session::{Issued, issue_session};
use crate::auth::totp::{
    matching_step, new_recovery_codes, new_secret, otpauth_uri, recovery_code_hash, secret_base32,
};
use crate::auth::totp_seal::{open_totp_secret, seal_totp_secret};
use crate::auth::{ClientInfo, CurrentUser, RecentAuth};
use crate::{ApiError, AppState, ErrorCode};
use flowsense_storage::{StorageError, User};
use serde::Serialize;
use serde_json::json;

/// Whether `code` is a current TOTP code of `user` not used before. Accepting it records its
/// step, so the same code (or an older one) never works again.
pub(crate) async fn check_totp(
    state: &AppState,
    user: &User,
    code: &str,
) -> Result<bool, ApiError> {
    let mfa = state.store.mfa_state(user.id).await?;
    let Some(sealed) = mfa.secret_enc else {
        return Ok(false);
    };
    let secret = open_totp_secret(&state.store, user.id, &sealed)
        .await
        .map_err(ApiError::internal)?;
    let now = u64::try_from(state.now().timestamp()).unwrap_or(0);
    match matching_step(&secret, code, now) {
        Some(step) => Ok(state.store.accept_totp_step(user.id, step).await?),
        None => Ok(false),
    }
}

/// What an authenticator app needs; shown once.
#[derive(Debug, Serialize)]
pub struct Enrolment {
    pub secret: String,
    pub otpauth_uri: String,
}

/// Starts enrolment with a new secret (replacing an unfinished one). Enrolling a second factor,
/// like removing one, needs recent authentication: otherwise a stolen, older session could enrol
/// the thief's authenticator and lock the owner out.
pub async fn enrol(
    state: &AppState,
    current: &CurrentUser,
    _: &RecentAuth,
) -> Result<Enrolment, ApiError> {
    current.session_hash()?;
    let user = &current.user;
    let secret = new_secret();
    let sealed = seal_totp_secret(&state.store, user.id, &secret)
        .await
        .map_err(ApiError::internal)?;
    state
        .store
        .store_pending_mfa_secret(user.id, sealed)
        .await
        .map_err(|e| match e {
            StorageError::Conflict(_) => ApiError::Conflict(ErrorCode::MfaAlreadyEnabled),
            other => other.into(),
        })?;
    enrolment_for(&secret, &user.email)
}

fn enrolment_for(secret: &[u8], email: &str) -> Result<Enrolment, ApiError> {
    let otpauth_uri = otpauth_uri(secret, email)
        .ok_or_else(|| ApiError::Internal("cannot build the otpauth URI".into()))?;
    Ok(Enrolment {
        secret: secret_base32(secret),
        otpauth_uri,
    })
}

/// The enrolment in progress, if any, to show again (after a mistyped code, say).
pub async fn pending(
    state: &AppState,
    current: &CurrentUser,
) -> Result<Option<Enrolment>, ApiError> {
    let mfa = state.store.mfa_state(current.id()).await?;
    let Some(sealed) = mfa.secret_enc.filter(|_| !mfa.enabled) else {
        return Ok(None);
    };
    let secret = open_totp_secret(&state.store, current.id(), &sealed)
        .await
        .map_err(ApiError::internal)?;
    enrolment_for(&secret, &current.user.email).map(Some)
}

/// Finishes enrolment with a first code: MFA on, ten recovery codes (shown once), and the
/// session rotated (a privilege change). Needs recent authentication, like [`enrol`].
pub async fn verify(
    state: &AppState,
    current: &CurrentUser,
    code: &str,
    _: &RecentAuth,
    client: &ClientInfo,
) -> Result<(Vec<String>, Issued), ApiError> {
    let old = current.session_hash()?.to_vec();
    let user = &current.user;
    take(&state.limiters.mfa_user, &user.id.to_string())?;
    let mfa = state.store.mfa_state(user.id).await?;
    if mfa.enabled {
        return Err(ApiError::Conflict(ErrorCode::MfaAlreadyEnabled));
    }
    if mfa.secret_enc.is_none() {
        return Err(ApiError::Conflict(ErrorCode::MfaNotPending));
    }
    if !check_totp(state, user, code).await? {
        return Err(ApiError::Unprocessable("the code is not correct".into()));
    }
    let codes = new_recovery_codes();
    let hashes: Vec<Vec<u8>> = codes
        .iter()
        .map(|c| recovery_code_hash(state, user.id, c))
        .collect();
    state
        .store
        .enable_mfa(user.id, &hashes)
        .await
        .map_err(|e| match e {
            StorageError::Conflict(_) => ApiError::Conflict(ErrorCode::MfaNotPending),
            other => other.into(),
        })?;
    let now = state.now();
    let issued = issue_session(state, user.id, Some(&old), now, Some(now), client).await?;
    audit::in_users_orgs(state, user.id, "mfa.enrolled", &client.ip, json!({})).await?;
    Ok((codes, issued))
}

/// Turns MFA off; needs recent authentication.
pub async fn disable(
    state: &AppState,
    current: &CurrentUser,
    _: &RecentAuth,
    client: &ClientInfo,
) -> Result<(), ApiError> {
    current.session_hash()?;
    state.store.disable_mfa(current.id()).await?;
    audit::in_users_orgs(state, current.id(), "mfa.disabled", &client.ip, json!({})).await
}

//! TOTP enrolment, verification and removal.

use super::limits::Bucket;
use super::session::{Issued, issue_session};
use super::totp::{
    matching_step, new_recovery_codes, new_secret, otpauth_uri, recovery_code_hash, secret_base32,
};
use super::totp_seal::{open_totp_secret, seal_totp_secret};
use super::{Caller, Client, IdentityError, RecentAuth};
use crate::{Context, FieldError, audit};
use flowsense_storage::{StorageError, User};
use serde::Serialize;
use serde_json::json;

/// Whether `code` is a current TOTP code of `user` not used before. Accepting it records its
/// step, so the same code (or an older one) never works again.
pub(crate) async fn check_totp(
    ctx: &Context,
    user: &User,
    code: &str,
) -> Result<bool, IdentityError> {
    let mfa = ctx.store.mfa_state(user.id).await?;
    let Some(sealed) = mfa.secret_enc else {
        return Ok(false);
    };
    let secret = open_totp_secret(&ctx.store, user.id, &sealed).await?;
    let now = u64::try_from(ctx.now().timestamp()).unwrap_or(0);
    match matching_step(&secret, code, now) {
        Some(step) => Ok(ctx.store.accept_totp_step(user.id, step).await?),
        None => Ok(false),
    }
}

/// What an authenticator app needs; shown once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Enrolment {
    pub secret: String,
    pub otpauth_uri: String,
}

/// Starts enrolment with a new secret (replacing an unfinished one). Enrolling a second factor,
/// like removing one, needs recent authentication: otherwise a stolen, older session could enrol
/// the thief's authenticator and lock the owner out.
#[tracing::instrument(skip_all, fields(user = %current.id()))]
pub async fn enrol(
    ctx: &Context,
    current: &Caller,
    _: &RecentAuth,
) -> Result<Enrolment, IdentityError> {
    current.session_hash()?;
    let user = &current.user;
    let secret = new_secret();
    let sealed = seal_totp_secret(&ctx.store, user.id, &secret).await?;
    ctx.store
        .store_pending_mfa_secret(user.id, sealed)
        .await
        .map_err(|e| match e {
            StorageError::Conflict(_) => IdentityError::MfaAlreadyEnabled,
            other => other.into(),
        })?;
    enrolment_for(&secret, &user.email)
}

fn enrolment_for(secret: &[u8], email: &str) -> Result<Enrolment, IdentityError> {
    let otpauth_uri = otpauth_uri(secret, email).ok_or(IdentityError::OtpauthUri)?;
    Ok(Enrolment {
        secret: secret_base32(secret),
        otpauth_uri,
    })
}

/// The enrolment in progress, if any, to show again (after a mistyped code, say).
#[tracing::instrument(skip_all, fields(user = %current.id()))]
pub async fn pending(ctx: &Context, current: &Caller) -> Result<Option<Enrolment>, IdentityError> {
    let mfa = ctx.store.mfa_state(current.id()).await?;
    let Some(sealed) = mfa.secret_enc.filter(|_| !mfa.enabled) else {
        return Ok(None);
    };
    let secret = open_totp_secret(&ctx.store, current.id(), &sealed).await?;
    enrolment_for(&secret, &current.user.email).map(Some)
}

/// Finishes enrolment with a first code: MFA on, ten recovery codes (shown once), and the
/// session rotated (a privilege change). Needs recent authentication, like [`enrol`].
#[tracing::instrument(skip_all, fields(user = %current.id()))]
pub async fn verify(
    ctx: &Context,
    current: &Caller,
    code: &str,
    _: &RecentAuth,
    client: &Client,
) -> Result<(Vec<String>, Issued), IdentityError> {
    let old = current.session_hash()?.to_vec();
    let user = &current.user;
    ctx.limiters
        .take(Bucket::MfaUser, &user.id.to_string())
        .await?;
    let mfa = ctx.store.mfa_state(user.id).await?;
    if mfa.enabled {
        return Err(IdentityError::MfaAlreadyEnabled);
    }
    if mfa.secret_enc.is_none() {
        return Err(IdentityError::MfaNotPending);
    }
    if !check_totp(ctx, user, code).await? {
        return Err(FieldError::new("code", "the code is not correct").into());
    }
    let codes = new_recovery_codes();
    let hashes: Vec<Vec<u8>> = codes
        .iter()
        .map(|c| recovery_code_hash(ctx, user.id, c))
        .collect();
    ctx.store
        .enable_mfa(user.id, &hashes)
        .await
        .map_err(|e| match e {
            StorageError::Conflict(_) => IdentityError::MfaNotPending,
            other => other.into(),
        })?;
    let now = ctx.now();
    let issued = issue_session(ctx, user.id, Some(&old), now, Some(now), client).await?;
    audit::in_users_orgs(ctx, user.id, "mfa.enrolled", &client.ip, json!({})).await?;
    Ok((codes, issued))
}

/// Turns MFA off; needs recent authentication.
#[tracing::instrument(skip_all, fields(user = %current.id()))]
pub async fn disable(
    ctx: &Context,
    current: &Caller,
    _: &RecentAuth,
    client: &Client,
) -> Result<(), IdentityError> {
    current.session_hash()?;
    ctx.store.disable_mfa(current.id()).await?;
    audit::in_users_orgs(ctx, current.id(), "mfa.disabled", &client.ip, json!({})).await?;
    Ok(())
}

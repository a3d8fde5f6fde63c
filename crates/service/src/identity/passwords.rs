//! Password change, reset by e-mailed link, and step-up re-authentication.

use super::accounts::{Factor, record_failure, second_factor};
use super::limits::Bucket;
use super::links::{LinkPurpose, check_link, link_subject};
use super::password::check_password_strength;
use super::session::{Issued, issue_session};
use super::{Caller, Client, IdentityError};
use crate::email::{self, Message, PasswordEvent};
use crate::{Context, audit};
use chrono::{DateTime, Utc};
use flowsense_storage::{NewJob, Revoked, User};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
    /// Also revoke every personal API token (a reset always does).
    #[serde(default)]
    pub revoke_tokens: bool,
}

/// Changes the password, signs out every session (and with `revoke_tokens`, revokes every API
/// token), drops an unfinished MFA enrolment, tells the user by e-mail, and opens a fresh
/// session for this browser.
#[tracing::instrument(skip_all, fields(user = %current.id()))]
pub async fn change_password(
    ctx: &Context,
    current: &Caller,
    input: PasswordChange,
    client: &Client,
) -> Result<Issued, IdentityError> {
    current.session_hash()?;
    let user = &current.user;
    ctx.limiters.take(Bucket::LoginAccount, &user.email).await?;
    if !ctx
        .passwords
        .verify(input.current_password, Some(user.password_hash.clone()))
        .await?
    {
        return Err(IdentityError::InvalidCredentials);
    }
    check_password_strength(&input.new_password, &user.email, &user.display_name)?;
    ctx.passwords.refuse_breached(&input.new_password).await??;
    let hash = ctx.passwords.hash(input.new_password).await?;
    let now = ctx.now();
    let revoked = ctx
        .store
        .set_password_revoking(user.id, &hash, now, input.revoke_tokens, |revoked| {
            tell_what_was_revoked(user, PasswordEvent::Changed, *revoked, now)
        })
        .await?;
    let issued = issue_session(
        ctx,
        user.id,
        None,
        now,
        user.mfa_enabled.then_some(now),
        client,
    )
    .await?;
    audit::in_users_orgs(
        ctx,
        user.id,
        "auth.password_changed",
        &client.ip,
        json!({ "revoked": revoked }),
    )
    .await?;
    Ok(issued)
}

/// The e-mail after a password change or reset (what stopped working, and what to do if it was
/// not the owner), enqueued with the change.
fn tell_what_was_revoked(
    user: &User,
    how: PasswordEvent,
    revoked: Revoked,
    now: DateTime<Utc>,
) -> Vec<NewJob> {
    vec![
        Message::PasswordChanged {
            user: user.id,
            how,
            revoked,
        }
        .job(now),
    ]
}

/// Mails a reset link when the address has an account; answers the same either way.
#[tracing::instrument(skip_all)]
pub async fn request_password_reset(
    ctx: &Context,
    email: &str,
    client: &Client,
) -> Result<(), IdentityError> {
    let email = email.trim().to_lowercase();
    ctx.limiters.take(Bucket::ResetIp, &client.ip).await?;
    ctx.limiters
        .take(Bucket::ResetIp, &format!("account:{email}"))
        .await?;
    // An account without a password (single sign-on or passkeys only) has none to reset: no
    // link is sent for it (the answer is the same, so the address's kind of account is not
    // revealed).
    if let Some(user) = ctx
        .store
        .user_by_email(&email)
        .await?
        .filter(User::has_password)
    {
        email::enqueue(ctx, &Message::PasswordReset { user: user.id }).await?;
    }
    Ok(())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetConfirm {
    pub token: String,
    pub new_password: String,
}

/// Sets a new password from a reset link, signs out every session, revokes every API token and
/// drops an unfinished MFA enrolment (whoever knew the old password may have made them), and
/// tells the user by e-mail.
#[tracing::instrument(skip_all)]
pub async fn confirm_password_reset(
    ctx: &Context,
    input: ResetConfirm,
    client: &Client,
) -> Result<(), IdentityError> {
    ctx.limiters.take(Bucket::ResetIp, &client.ip).await?;
    let id = link_subject(&input.token, LinkPurpose::ResetPassword, ctx.now())
        .ok_or(IdentityError::InvalidLink)?;
    let user = ctx
        .store
        .user(id)
        .await
        .map_err(|_| IdentityError::InvalidLink)?;
    if !check_link(ctx, &input.token, &user, LinkPurpose::ResetPassword) || !user.has_password() {
        return Err(IdentityError::InvalidLink);
    }
    check_password_strength(&input.new_password, &user.email, &user.display_name)?;
    ctx.passwords.refuse_breached(&input.new_password).await??;
    let hash = ctx.passwords.hash(input.new_password).await?;
    let now = ctx.now();
    let revoked = ctx
        .store
        .set_password_revoking(user.id, &hash, now, true, |revoked| {
            tell_what_was_revoked(&user, PasswordEvent::Reset, *revoked, now)
        })
        .await?;
    audit::in_users_orgs(
        ctx,
        user.id,
        "auth.password_reset",
        &client.ip,
        json!({ "revoked": revoked }),
    )
    .await?;
    Ok(())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reauthenticate {
    pub password: String,
    #[serde(default)]
    pub totp: Option<String>,
    #[serde(default)]
    pub recovery_code: Option<String>,
    /// A passkey assertion of this session's step-up ceremony, in place of the TOTP code.
    #[serde(default)]
    pub passkey: Option<super::passkeys::PasskeyProof>,
}

/// Step-up: proves the user again and rotates the session with a fresh `authenticated_at`.
#[tracing::instrument(skip_all, fields(user = %current.id()))]
pub async fn reauthenticate(
    ctx: &Context,
    current: &Caller,
    input: Reauthenticate,
    client: &Client,
) -> Result<Issued, IdentityError> {
    let old = current.session_hash()?.to_vec();
    let user = &current.user;
    ctx.limiters.take(Bucket::LoginAccount, &user.email).await?;
    if !ctx
        .passwords
        .verify(input.password, Some(user.password_hash.clone()))
        .await?
    {
        record_failure(ctx, user, client).await?;
        return Err(IdentityError::InvalidCredentials);
    }
    if user.mfa_enabled
        && second_factor(
            ctx,
            user,
            Factor {
                totp: input.totp.as_deref(),
                recovery_code: input.recovery_code.as_deref(),
                passkey: input.passkey.as_ref(),
                session_hash: Some(&old),
            },
            client,
        )
        .await?
        .is_none()
    {
        return Err(IdentityError::InvalidCredentials);
    }
    let now = ctx.now();
    Ok(issue_session(
        ctx,
        user.id,
        Some(&old),
        now,
        user.mfa_enabled.then_some(now),
        client,
    )
    .await?)
}

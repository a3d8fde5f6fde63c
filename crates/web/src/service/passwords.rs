//! Password change, reset by e-mailed link, and step-up re-authentication.

use super::accounts::{invalid, record_failure, second_factor};
use super::{audit, page_link, send_mail};
use crate::auth::limits::take;
use crate::auth::links::{LinkPurpose, check_link, link_subject, sign_link};
use crate::auth::session::{Issued, issue_session};
use crate::auth::{ClientInfo, CurrentUser, check_password_strength};
use crate::mail::Email;
use crate::{ApiError, AppState};
use flowsense_storage::{Revoked, User};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize)]
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
pub async fn change_password(
    state: &AppState,
    current: &CurrentUser,
    input: PasswordChange,
    client: &ClientInfo,
) -> Result<Issued, ApiError> {
    current.session_hash()?;
    let user = &current.user;
    take(&state.limiters.login_account, &user.email)?;
    if !state
        .passwords
        .verify(input.current_password, Some(user.password_hash.clone()))
        .await?
    {
        return Err(invalid());
    }
    check_password_strength(&input.new_password, &user.email, &user.display_name)?;
    let hash = state.passwords.hash(input.new_password).await?;
    let now = state.now();
    let revoked = state
        .store
        .set_password_revoking(user.id, &hash, now, input.revoke_tokens)
        .await?;
    let issued = issue_session(
        state,
        user.id,
        None,
        now,
        user.mfa_enabled.then_some(now),
        client,
    )
    .await?;
    audit::in_users_orgs(
        state,
        user.id,
        "auth.password_changed",
        &client.ip,
        json!({ "revoked": revoked }),
    )
    .await?;
    tell_what_was_revoked(state, user, "changed", revoked).await?;
    Ok(issued)
}

/// The e-mail after a password change or reset: what stopped working, and what to do if it was
/// not the owner.
async fn tell_what_was_revoked(
    state: &AppState,
    user: &User,
    how: &str,
    revoked: Revoked,
) -> Result<(), ApiError> {
    let mut lines = vec![format!(
        "- {} signed out ({})",
        plural(revoked.sessions, "session"),
        "every browser and device has to sign in again"
    )];
    lines.push(if revoked.tokens > 0 {
        format!(
            "- {} revoked (scripts using them must get new ones)",
            plural(revoked.tokens, "personal API token")
        )
    } else {
        "- no personal API tokens were revoked".to_owned()
    });
    if revoked.pending_mfa {
        lines.push("- an unfinished two-factor set-up was cancelled".to_owned());
    }
    send_mail(state, Email {
        to: user.email.clone(),
        subject: format!("Your FlowSense password was {how}"),
        body: format!(
            "Hello {},\n\nThe password of your FlowSense account was {how}. To keep the account safe:\n{}\n\n             Your profile lists your sessions and tokens: {}/app/profile\n\n             If this was not you, reset your password now at {}/reset-password and tell your organisation's admin.\n",
            user.display_name,
            lines.join("\n"),
            state.settings.public_url,
            state.settings.public_url,
        ),
    })
    .await
}

fn plural(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// Mails a reset link when the address has an account; answers the same either way.
pub async fn request_password_reset(
    state: &AppState,
    email: &str,
    client: &ClientInfo,
) -> Result<(), ApiError> {
    let email = email.trim().to_lowercase();
    take(&state.limiters.reset_ip, &client.ip)?;
    take(&state.limiters.reset_ip, &format!("account:{email}"))?;
    if let Some(user) = state.store.user_by_email(&email).await? {
        let token = sign_link(state, &user, LinkPurpose::ResetPassword);
        send_mail(state, Email {
            to: user.email.clone(),
            subject: "Reset your FlowSense password".into(),
            body: format!(
                "Open this link within an hour to choose a new password (it works once):\n{}\n\nIf you did not ask for this, ignore this message; your password is unchanged.\n",
                page_link(state, "/reset-password", &token)
            ),
        })
        .await?;
    }
    Ok(())
}

#[derive(Debug, Deserialize)]
pub struct ResetConfirm {
    pub token: String,
    pub new_password: String,
}

/// Sets a new password from a reset link, signs out every session, revokes every API token and
/// drops an unfinished MFA enrolment (whoever knew the old password may have made them), and
/// tells the user by e-mail.
pub async fn confirm_password_reset(
    state: &AppState,
    input: ResetConfirm,
    client: &ClientInfo,
) -> Result<(), ApiError> {
    take(&state.limiters.reset_ip, &client.ip)?;
    let bad = || ApiError::BadRequest("the link is invalid or has expired".into());
    let id = link_subject(&input.token, LinkPurpose::ResetPassword, state.now()).ok_or_else(bad)?;
    let user = state.store.user(id).await.map_err(|_| bad())?;
    if !check_link(state, &input.token, &user, LinkPurpose::ResetPassword) {
        return Err(bad());
    }
    check_password_strength(&input.new_password, &user.email, &user.display_name)?;
    let hash = state.passwords.hash(input.new_password).await?;
    let revoked = state
        .store
        .set_password_revoking(user.id, &hash, state.now(), true)
        .await?;
    audit::in_users_orgs(
        state,
        user.id,
        "auth.password_reset",
        &client.ip,
        json!({ "revoked": revoked }),
    )
    .await?;
    tell_what_was_revoked(state, &user, "reset", revoked).await
}

#[derive(Debug, Deserialize)]
pub struct Reauthenticate {
    pub password: String,
    #[serde(default)]
    pub totp: Option<String>,
    #[serde(default)]
    pub recovery_code: Option<String>,
}

/// Step-up: proves the user again and rotates the session with a fresh `authenticated_at`.
pub async fn reauthenticate(
    state: &AppState,
    current: &CurrentUser,
    input: Reauthenticate,
    client: &ClientInfo,
) -> Result<Issued, ApiError> {
    let old = current.session_hash()?.to_vec();
    let user = &current.user;
    take(&state.limiters.login_account, &user.email)?;
    if !state
        .passwords
        .verify(input.password, Some(user.password_hash.clone()))
        .await?
    {
        record_failure(state, user, client).await?;
        return Err(invalid());
    }
    if user.mfa_enabled
        && second_factor(
            state,
            user,
            input.totp.as_deref(),
            input.recovery_code.as_deref(),
            client,
        )
        .await?
        .is_none()
    {
        return Err(invalid());
    }
    let now = state.now();
    issue_session(
        state,
        user.id,
        Some(&old),
        now,
        user.mfa_enabled.then_some(now),
        client,
    )
    .await
}

//! Sign-up, e-mail verification, sign-in and out, password change and reset, step-up.
//!
//! No answer depends on whether an e-mail address is registered: sign-up and reset requests
//! always answer the same, and sign-in verifies a password hash (a dummy one for unknown
//! addresses) before it answers 401.

use super::{UserView, audit, mfa, page_link, send_mail};
use crate::auth::limits::take;
use crate::auth::links::{LinkPurpose, check_link, link_subject, sign_link};
use crate::auth::session::{Issued, issue_session};
use crate::auth::{ClientInfo, CurrentUser, check_password_strength};
use crate::mail::Email;
use crate::{ApiError, AppState, ErrorCode};
use flowsense_core::PlainName;
use flowsense_storage::{NewUser, StorageError, User};
use serde::Deserialize;
use serde_json::json;

pub(crate) fn invalid() -> ApiError {
    ApiError::Unauthorized(ErrorCode::InvalidCredentials)
}

/// A syntactically plausible address, trimmed and lower-cased.
pub fn parse_email(raw: &str) -> Result<String, ApiError> {
    let e = raw.trim().to_lowercase();
    let ok = (3..=254).contains(&e.len())
        && !e.chars().any(|c| c.is_whitespace() || c.is_control())
        && e.split_once('@').is_some_and(|(l, d)| {
            !l.is_empty()
                && d.contains('.')
                && !d.starts_with('.')
                && !d.ends_with('.')
                && !d.contains('@')
        });
    if ok {
        Ok(e)
    } else {
        Err(ApiError::Unprocessable(
            "enter a valid e-mail address".into(),
        ))
    }
}

/// A display name or organisation name ([`PlainName`]), or 422 saying what is wrong with it.
pub fn parse_name(raw: &str) -> Result<PlainName, ApiError> {
    PlainName::parse(raw).map_err(|e| ApiError::Unprocessable(e.to_string()))
}

/// Creates a user with a checked password (used by sign-up, and by operator commands such as
/// `flowsense user create-admin` with `verified = true`).
///
/// # Errors
/// 422 for a bad address, name or password; 409 when the address is taken.
pub async fn create_user_with_password(
    state: &AppState,
    email: &str,
    display_name: &str,
    password: &str,
    verified: bool,
) -> Result<User, ApiError> {
    let email = parse_email(email)?;
    let display_name = parse_name(display_name)?.into_string();
    check_password_strength(password, &email, &display_name)?;
    let password_hash = state.passwords.hash(password.to_owned()).await?;
    let user = state
        .store
        .create_user(&NewUser {
            email,
            display_name,
            password_hash,
        })
        .await
        .map_err(|e| match e {
            StorageError::Conflict(_) => ApiError::Conflict(ErrorCode::Conflict),
            other => other.into(),
        })?;
    if verified {
        state
            .store
            .mark_email_verified(user.id, state.now())
            .await?;
        return Ok(state.store.user(user.id).await?);
    }
    Ok(user)
}

#[derive(Debug, Deserialize)]
pub struct SignupInput {
    pub email: String,
    pub password: String,
    pub display_name: String,
}

/// Registers an address, or — when it is taken — tells its owner by e-mail. Same answer either way.
pub async fn signup(
    state: &AppState,
    input: SignupInput,
    client: &ClientInfo,
) -> Result<(), ApiError> {
    take(&state.limiters.signup_ip, &client.ip)?;
    let email = parse_email(&input.email)?;
    match create_user_with_password(state, &email, &input.display_name, &input.password, false)
        .await
    {
        Ok(user) => send_verification(state, &user).await,
        Err(ApiError::Conflict(_)) => send_mail(
            state,
            Email {
                to: email,
                subject: "You already have a FlowSense account".into(),
                body: format!(
                    "Someone tried to sign up with this address, which already has an account.\n\
                     If it was you, sign in, or reset your password at {}/reset-password.\n",
                    state.settings.public_url
                ),
            },
        )
        .await,
        Err(e) => Err(e),
    }
}

async fn send_verification(state: &AppState, user: &User) -> Result<(), ApiError> {
    let token = sign_link(state, user, LinkPurpose::VerifyEmail);
    send_mail(state, Email {
        to: user.email.clone(),
        subject: "Confirm your e-mail address for FlowSense".into(),
        body: format!(
            "Hello {},\n\nConfirm your address by opening this link (valid 48 hours):\n{}\n\nIf you did not sign up, ignore this message.\n",
            user.display_name,
            page_link(state, "/verify-email", &token)
        ),
    })
    .await
}

/// Mails the signed-in user a new confirmation link (the first may have expired). Only the
/// account's owner can ask, so a stranger can neither trigger mail nor learn anything.
pub async fn resend_verification(state: &AppState, current: &CurrentUser) -> Result<(), ApiError> {
    if current.user.email_verified_at.is_some() {
        return Err(ApiError::Conflict(ErrorCode::EmailAlreadyVerified));
    }
    take(
        &state.limiters.signup_ip,
        &format!("resend:{}", current.id()),
    )?;
    send_verification(state, &current.user).await
}

/// Marks the address of the link's user verified.
pub async fn verify_email(state: &AppState, token: &str) -> Result<(), ApiError> {
    let bad = || ApiError::BadRequest("the link is invalid or has expired".into());
    let id = link_subject(token, LinkPurpose::VerifyEmail, state.now()).ok_or_else(bad)?;
    let user = state.store.user(id).await.map_err(|_| bad())?;
    if !check_link(state, token, &user, LinkPurpose::VerifyEmail) {
        return Err(bad());
    }
    state
        .store
        .mark_email_verified(user.id, state.now())
        .await?;
    Ok(())
}

#[derive(Debug, Deserialize)]
pub struct LoginInput {
    pub email: String,
    pub password: String,
    #[serde(default)]
    pub totp: Option<String>,
    #[serde(default)]
    pub recovery_code: Option<String>,
}

/// A new session and who it belongs to.
pub struct SignedIn {
    pub issued: Issued,
    pub user: UserView,
}

/// Counts one failed attempt in the stored counter, backing the account off past the threshold.
async fn count_failure(state: &AppState, user: &User) -> Result<(), ApiError> {
    let limits = &state.settings.limits;
    let failures = state.store.record_login_failure(user.id).await?;
    if failures >= limits.lockout_after_failures {
        let doublings = u32::try_from(failures - limits.lockout_after_failures)
            .unwrap_or(u32::MAX)
            .min(16);
        let wait = limits
            .lockout_base
            .saturating_mul(1 << doublings)
            .min(limits.lockout_max);
        let until =
            state.now() + chrono::TimeDelta::from_std(wait).unwrap_or(chrono::TimeDelta::hours(1));
        state.store.lock_user_until(user.id, until).await?;
    }
    Ok(())
}

/// Records a failed attempt: counter, backoff and audit.
pub(crate) async fn record_failure(
    state: &AppState,
    user: &User,
    client: &ClientInfo,
) -> Result<(), ApiError> {
    count_failure(state, user).await?;
    audit::in_users_orgs(state, user.id, "auth.sign_in_failed", &client.ip, json!({})).await
}

/// Audits a failed sign-in off the response path, so a known address (which has organisations
/// to write to) answers as fast as an unknown one.
fn audit_failure_later(state: &AppState, user: &User, client: &ClientInfo) {
    let (state, user, ip) = (state.clone(), user.id, client.ip.clone());
    tokio::spawn(async move {
        if let Err(e) =
            audit::in_users_orgs(&state, user, "auth.sign_in_failed", &ip, json!({})).await
        {
            tracing::warn!(error = %flowsense_core::ErrorChain(&e), "could not audit a failed sign-in");
        }
    });
}

/// Checks the second factor of a user with MFA on: a TOTP code (each step once) or an unused
/// recovery code. `Ok(None)` when neither was given.
pub(crate) async fn second_factor(
    state: &AppState,
    user: &User,
    totp: Option<&str>,
    recovery_code: Option<&str>,
    client: &ClientInfo,
) -> Result<Option<&'static str>, ApiError> {
    if let Some(code) = totp {
        return Ok(mfa::check_totp(state, user, code).await?.then_some("totp"));
    }
    if let Some(code) = recovery_code {
        let hash = crate::auth::totp::recovery_code_hash(state, user.id, code);
        if state
            .store
            .use_recovery_code(user.id, &hash, state.now())
            .await?
        {
            audit::in_users_orgs(
                state,
                user.id,
                "mfa.recovery_code_used",
                &client.ip,
                json!({}),
            )
            .await?;
            return Ok(Some("recovery_code"));
        }
        return Ok(None);
    }
    Err(ApiError::Unauthorized(ErrorCode::TotpRequired))
}

/// Signs in: limits, password (hashed for unknown addresses too), stored backoff, second factor,
/// then a new session that replaces any the browser presented.
pub async fn login(
    state: &AppState,
    input: LoginInput,
    client: &ClientInfo,
) -> Result<SignedIn, ApiError> {
    let email = input.email.trim().to_lowercase();
    take(&state.limiters.login_ip, &client.ip)?;
    take(&state.limiters.login_account, &email)?;
    let now = state.now();
    let user = state.store.user_by_email(&email).await?;
    let verify = state.passwords.verify(
        input.password,
        user.as_ref().map(|u| u.password_hash.clone()),
    );
    let Some(user) = user else {
        verify.await?;
        return Err(invalid());
    };
    // The attempt is counted as failed while the hash runs (so the database work hides behind
    // it) and forgiven on success.
    let (password_ok, counted) = tokio::join!(verify, count_failure(state, &user));
    let (password_ok, ()) = (password_ok?, counted?);
    // A backed-off account answers exactly like a wrong password: nothing is revealed.
    let locked = user.locked_until.is_some_and(|t| now < t);
    if !password_ok || locked {
        audit_failure_later(state, &user, client);
        return Err(invalid());
    }
    let mut method = "password";
    if user.mfa_enabled {
        match second_factor(
            state,
            &user,
            input.totp.as_deref(),
            input.recovery_code.as_deref(),
            client,
        )
        .await?
        {
            Some("totp") => method = "password+totp",
            Some(_) => method = "password+recovery_code",
            None => {
                audit_failure_later(state, &user, client);
                return Err(invalid());
            }
        }
    }
    state.store.reset_login_failures(user.id).await?;
    let mfa_at = user.mfa_enabled.then_some(now);
    let issued = issue_session(
        state,
        user.id,
        client.presented_session.as_deref(),
        now,
        mfa_at,
        client,
    )
    .await?;
    audit::in_users_orgs(
        state,
        user.id,
        "auth.sign_in",
        &client.ip,
        json!({"method": method}),
    )
    .await?;
    Ok(SignedIn {
        issued,
        user: UserView::from(&user),
    })
}

/// Ends the current session.
pub async fn logout(
    state: &AppState,
    current: &CurrentUser,
    client: &ClientInfo,
) -> Result<(), ApiError> {
    let hash = current.session_hash()?;
    state.store.delete_session(hash).await?;
    audit::in_users_orgs(state, current.id(), "auth.sign_out", &client.ip, json!({})).await
}

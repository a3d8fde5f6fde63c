//! Sign-up, e-mail verification, sign-in and out, password change and reset, step-up.
//!
//! No answer depends on whether an e-mail address is registered: sign-up and reset requests
//! always answer the same, and sign-in verifies a password hash (a dummy one for unknown
//! addresses) before it answers 401.

use super::limits::Bucket;
use super::links::{LinkPurpose, check_link, link_subject};
use super::password::check_password_strength;
use super::session::{Issued, issue_session};
use super::{Caller, Client, IdentityError, UserView, mfa};
use crate::email::{self, Message};
use crate::{Context, FieldError, audit};
use flowsense_core::PlainName;
use flowsense_storage::{NewUser, StorageError, User, constraint};
use serde::Deserialize;
use serde_json::json;

/// A syntactically plausible address, trimmed and lower-cased.
///
/// # Errors
/// What is wrong, on the `email` field.
pub fn parse_email(raw: &str) -> Result<String, FieldError> {
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
        Err(FieldError::new("email", "enter a valid e-mail address"))
    }
}

/// A display name ([`PlainName`]), or what is wrong with it.
///
/// # Errors
/// What is wrong, on the `display_name` field.
pub fn parse_name(raw: &str) -> Result<PlainName, FieldError> {
    PlainName::parse(raw).map_err(|e| FieldError::new("display_name", e.to_string()))
}

/// Creates a user with a checked password (used by sign-up, and by operator commands such as
/// `flowsense user create-admin` with `verified = true`).
///
/// # Errors
/// [`IdentityError::Invalid`] for a bad address, name or password; [`IdentityError::EmailTaken`].
#[tracing::instrument(skip_all)]
pub async fn create_user_with_password(
    ctx: &Context,
    email: &str,
    display_name: &str,
    password: &str,
    verified: bool,
) -> Result<User, IdentityError> {
    let email = parse_email(email)?;
    let display_name = parse_name(display_name)?.into_string();
    check_password_strength(password, &email, &display_name)?;
    ctx.passwords.refuse_breached(password).await??;
    let password_hash = ctx.passwords.hash(password.to_owned()).await?;
    let now = ctx.now();
    // An unconfirmed account is created with its confirmation e-mail, in one transaction.
    let confirm = move |user: &User| {
        if verified {
            Vec::new()
        } else {
            vec![Message::VerifyEmail { user: user.id }.job(now)]
        }
    };
    let user = ctx
        .store
        .create_user_then(
            &NewUser {
                email,
                display_name,
                password_hash,
            },
            confirm,
        )
        .await
        .map_err(|e| match e {
            StorageError::Conflict(c) if c == constraint::USER_EMAIL => IdentityError::EmailTaken,
            other => other.into(),
        })?;
    if verified {
        ctx.store.mark_email_verified(user.id, ctx.now()).await?;
        return Ok(ctx.store.user(user.id).await?);
    }
    Ok(user)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignupInput {
    pub email: String,
    pub password: String,
    pub display_name: String,
    /// The token of the invitation that brought the person here: what an invite-only instance
    /// asks for (see [`super::signup_policy`]).
    #[serde(default)]
    pub invitation: Option<String>,
}

/// Registers an address, or — when it is taken — tells its owner by e-mail. Same answer either way.
///
/// # Errors
/// A bad address, name or password; too many sign-ups from the client; a failure.
#[tracing::instrument(skip_all)]
pub async fn signup(
    ctx: &Context,
    input: SignupInput,
    client: &Client,
) -> Result<(), IdentityError> {
    ctx.limiters.take(Bucket::SignupIp, &client.ip).await?;
    let email = parse_email(&input.email)?;
    super::signup_policy::check(ctx, &email, input.invitation.as_deref()).await?;
    match create_user_with_password(ctx, &email, &input.display_name, &input.password, false).await
    {
        Ok(_) => Ok(()),
        Err(IdentityError::EmailTaken) => {
            if let Some(owner) = ctx.store.user_by_email(&email).await? {
                email::enqueue(ctx, &Message::AccountExists { user: owner.id }).await?;
            }
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Mails the signed-in user a new confirmation link (the first may have expired). Only the
/// account's owner can ask, so a stranger can neither trigger mail nor learn anything.
///
/// # Errors
/// The address is already confirmed; too many asks; a failure.
#[tracing::instrument(skip_all, fields(user = %current.id()))]
pub async fn resend_verification(ctx: &Context, current: &Caller) -> Result<(), IdentityError> {
    if current.user.email_verified_at.is_some() {
        return Err(IdentityError::EmailAlreadyVerified);
    }
    ctx.limiters
        .take(Bucket::SignupIp, &format!("resend:{}", current.id()))
        .await?;
    email::enqueue(ctx, &Message::VerifyEmail { user: current.id() }).await?;
    Ok(())
}

/// Marks the address of the link's user verified.
///
/// # Errors
/// [`IdentityError::InvalidLink`]; a failure.
#[tracing::instrument(skip_all)]
pub async fn verify_email(ctx: &Context, token: &str) -> Result<(), IdentityError> {
    let id = link_subject(token, LinkPurpose::VerifyEmail, ctx.now())
        .ok_or(IdentityError::InvalidLink)?;
    let user = ctx
        .store
        .user(id)
        .await
        .map_err(|_| IdentityError::InvalidLink)?;
    if !check_link(ctx, token, &user, LinkPurpose::VerifyEmail) {
        return Err(IdentityError::InvalidLink);
    }
    ctx.store.mark_email_verified(user.id, ctx.now()).await?;
    Ok(())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginInput {
    pub email: String,
    pub password: String,
    #[serde(default)]
    pub totp: Option<String>,
    #[serde(default)]
    pub recovery_code: Option<String>,
    /// A passkey assertion in place of the TOTP code (see [`super::passkeys`]).
    #[serde(default)]
    pub passkey: Option<super::passkeys::PasskeyProof>,
}

/// A new session and who it belongs to.
pub struct SignedIn {
    pub issued: Issued,
    pub user: UserView,
}

/// Counts one failed attempt in the stored counter, backing the account off past the threshold.
async fn count_failure(ctx: &Context, user: &User) -> Result<(), StorageError> {
    let limits = &ctx.limits;
    let failures = ctx.store.record_login_failure(user.id).await?;
    if failures >= limits.lockout_after_failures {
        let doublings = u32::try_from(failures - limits.lockout_after_failures)
            .unwrap_or(u32::MAX)
            .min(16);
        let wait = limits
            .lockout_base
            .saturating_mul(1 << doublings)
            .min(limits.lockout_max);
        let until =
            ctx.now() + chrono::TimeDelta::from_std(wait).unwrap_or(chrono::TimeDelta::hours(1));
        ctx.store.lock_user_until(user.id, until).await?;
    }
    Ok(())
}

/// Records a failed attempt: counter, backoff and audit.
pub(crate) async fn record_failure(
    ctx: &Context,
    user: &User,
    client: &Client,
) -> Result<(), StorageError> {
    count_failure(ctx, user).await?;
    audit::in_users_orgs(ctx, user.id, "auth.sign_in_failed", &client.ip, json!({})).await
}

/// Audits a failed sign-in off the response path, so a known address (which has organisations
/// to write to) answers as fast as an unknown one.
fn audit_failure_later(ctx: &Context, user: &User, client: &Client) {
    let (ctx, user, ip) = (ctx.clone(), user.id, client.ip.clone());
    tokio::spawn(async move {
        if let Err(e) =
            audit::in_users_orgs(&ctx, user, "auth.sign_in_failed", &ip, json!({})).await
        {
            tracing::warn!(error = %flowsense_core::ErrorChain(&e), "could not audit a failed sign-in");
        }
    });
}

/// The second factor a sign-in or step-up offers: a TOTP code, a recovery code, or a passkey
/// assertion (with the session its ceremony is bound to, for a step-up).
pub(crate) struct Factor<'a> {
    pub totp: Option<&'a str>,
    pub recovery_code: Option<&'a str>,
    pub passkey: Option<&'a super::passkeys::PasskeyProof>,
    pub session_hash: Option<&'a [u8]>,
}

/// Checks the second factor of a user with MFA on: a TOTP code (each step once), a passkey
/// assertion, or an unused recovery code. `Ok(None)` when the one given is wrong.
pub(crate) async fn second_factor(
    ctx: &Context,
    user: &User,
    factor: Factor<'_>,
    client: &Client,
) -> Result<Option<&'static str>, IdentityError> {
    if let Some(proof) = factor.passkey {
        return Ok(super::passkeys::check_second_factor(
            ctx,
            user,
            proof,
            factor.session_hash,
            client,
        )
        .await?
        .then_some("passkey"));
    }
    let (totp, recovery_code) = (factor.totp, factor.recovery_code);
    if let Some(code) = totp {
        return Ok(mfa::check_totp(ctx, user, code).await?.then_some("totp"));
    }
    if let Some(code) = recovery_code {
        let hash = super::totp::recovery_code_hash(ctx, user.id, code);
        if ctx
            .store
            .use_recovery_code(user.id, &hash, ctx.now())
            .await?
        {
            audit::in_users_orgs(
                ctx,
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
    Err(IdentityError::SecondFactorRequired)
}

/// Signs in: limits, password (hashed for unknown addresses too), stored backoff, second factor,
/// then a new session that replaces any the browser presented.
///
/// # Errors
/// [`IdentityError::InvalidCredentials`] alike for every wrong answer; a second factor needed;
/// too many attempts; a failure.
#[tracing::instrument(skip_all)]
pub async fn login(
    ctx: &Context,
    input: LoginInput,
    client: &Client,
) -> Result<SignedIn, IdentityError> {
    let email = input.email.trim().to_lowercase();
    ctx.limiters.take(Bucket::LoginIp, &client.ip).await?;
    ctx.limiters.take(Bucket::LoginAccount, &email).await?;
    let now = ctx.now();
    let user = ctx.store.user_by_email(&email).await?;
    // An account without a password (single sign-on or passkeys only) is checked against the
    // dummy hash, like an unknown address: same time, same answer.
    let verify = ctx.passwords.verify(
        input.password,
        user.as_ref()
            .filter(|u| u.has_password())
            .map(|u| u.password_hash.clone()),
    );
    let Some(user) = user else {
        verify.await?;
        return Err(IdentityError::InvalidCredentials);
    };
    // The attempt is counted as failed while the hash runs (so the database work hides behind
    // it) and forgiven on success.
    let (password_ok, counted) = tokio::join!(verify, count_failure(ctx, &user));
    let (password_ok, ()) = (password_ok?, counted?);
    // A backed-off account answers exactly like a wrong password: nothing is revealed.
    // So does a disabled account, even with the right password.
    let locked = user.locked_until.is_some_and(|t| now < t) || user.disabled_at.is_some();
    if !password_ok || locked {
        audit_failure_later(ctx, &user, client);
        return Err(IdentityError::InvalidCredentials);
    }
    let mut method = "password";
    if user.mfa_enabled {
        let factor = Factor {
            totp: input.totp.as_deref(),
            recovery_code: input.recovery_code.as_deref(),
            passkey: input.passkey.as_ref(),
            session_hash: None,
        };
        match second_factor(ctx, &user, factor, client).await? {
            Some("totp") => method = "password+totp",
            Some("passkey") => method = "password+passkey",
            Some(_) => method = "password+recovery_code",
            None => {
                audit_failure_later(ctx, &user, client);
                return Err(IdentityError::InvalidCredentials);
            }
        }
    }
    // Only a caller who knew the password learns that their organisation wants SSO instead.
    if ctx.store.sso_required_for_user(user.id).await? {
        audit::in_users_orgs(
            ctx,
            user.id,
            "auth.password_refused_sso_required",
            &client.ip,
            json!({}),
        )
        .await?;
        return Err(IdentityError::SsoRequired);
    }
    ctx.store.reset_login_failures(user.id).await?;
    let mfa_at = user.mfa_enabled.then_some(now);
    let issued = issue_session(
        ctx,
        user.id,
        client.presented_session.as_deref(),
        now,
        mfa_at,
        client,
    )
    .await?;
    audit::in_users_orgs(
        ctx,
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
///
/// # Errors
/// The call did not come with a session; a failure.
#[tracing::instrument(skip_all, fields(user = %current.id()))]
pub async fn logout(ctx: &Context, current: &Caller, client: &Client) -> Result<(), IdentityError> {
    let hash = current.session_hash()?;
    ctx.store.delete_session(hash).await?;
    audit::in_users_orgs(ctx, current.id(), "auth.sign_out", &client.ip, json!({})).await?;
    Ok(())
}

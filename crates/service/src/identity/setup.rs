//! The first account of a self-hosted instance with no users, created with the one-time setup
//! token that `flowsense setup-token` prints (checklist B9: no account ships). The token is kept
//! only as its SHA-256, works once, and its use is logged.

use super::accounts::{parse_email, parse_name};
use super::crypto::{b64url, random_bytes, sha256};
use super::password::check_password_strength;
use super::{Client, IdentityError, UserView};
use crate::Context;
use chrono::{DateTime, TimeDelta, Utc};
use flowsense_storage::{NewUser, StorageError, Store, constraint};
use serde::Deserialize;

/// How long a printed setup token works.
pub const SETUP_TOKEN_HOURS: i64 = 24;

/// What the first person sends with the token.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetupInput {
    pub token: String,
    pub email: String,
    pub display_name: String,
    pub password: String,
}

/// Makes a setup token when the instance has no user: the token (shown once) and when it
/// expires; `None` when the instance has a user already.
///
/// # Errors
/// A database failure.
pub async fn issue_setup_token(
    store: &Store,
    now: DateTime<Utc>,
) -> Result<Option<(String, DateTime<Utc>)>, StorageError> {
    let token = format!("fs_setup_{}", b64url(&random_bytes::<32>()));
    let expires_at = now + TimeDelta::hours(SETUP_TOKEN_HOURS);
    let stored = store
        .create_setup_token(&sha256(token.as_bytes()), now, expires_at)
        .await?;
    Ok(stored.then_some((token, expires_at)))
}

/// Creates the first user (address confirmed) with a setup token; they then sign in and create
/// their organisation. The same refusal for a wrong, used or expired token, or once the
/// instance has a user.
///
/// # Errors
/// [`IdentityError::InvalidSetupToken`]; [`IdentityError::Invalid`] for a bad address, name or
/// password; too many attempts; a failure.
#[tracing::instrument(skip_all)]
pub async fn create_first_user(
    ctx: &Context,
    input: SetupInput,
    client: &Client,
) -> Result<UserView, IdentityError> {
    ctx.limiters
        .take(super::limits::Bucket::LoginIp, &client.ip)
        .await?;
    let email = parse_email(&input.email)?;
    let display_name = parse_name(&input.display_name)?.into_string();
    check_password_strength(&input.password, &email, &display_name)?;
    ctx.passwords.refuse_breached(&input.password).await??;
    let password_hash = ctx.passwords.hash(input.password).await?;
    let user = ctx
        .store
        .create_first_user_with_setup_token(
            &sha256(input.token.trim().as_bytes()),
            ctx.now(),
            &NewUser {
                email,
                display_name,
                password_hash,
            },
        )
        .await
        .map_err(|e| match e {
            StorageError::NotFound => IdentityError::InvalidSetupToken,
            StorageError::Conflict(c) if c == constraint::USER_EMAIL => IdentityError::EmailTaken,
            other => other.into(),
        })?;
    tracing::info!(user = %user.id, "the one-time setup token was used to create the first account");
    Ok(UserView::from(&user))
}

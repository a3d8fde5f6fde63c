//! Personal API tokens: `fs_pat_<base64url of 32 random bytes>`, shown once, stored hashed.

use super::crypto::{b64url, random_bytes, sha256};
use super::{Caller, Client, IdentityError};
use crate::{Context, FieldError, audit};
use chrono::TimeDelta;
use flowsense_storage::{ApiToken, NewApiToken, TokenScope};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

pub const TOKEN_PREFIX: &str = "fs_pat_";
pub const DEFAULT_TOKEN_DAYS: i64 = 90;
pub const MAX_TOKEN_DAYS: i64 = 365;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenInput {
    pub name: String,
    pub scope: TokenScope,
    #[serde(default)]
    pub expires_in_days: Option<i64>,
}

/// A created token: the only time its secret is shown.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub meta: ApiToken,
    pub token: String,
}

/// Creates a token for the signed-in user (the handler demands recent authentication).
#[tracing::instrument(skip_all, fields(user = %current.id()))]
pub async fn create(
    ctx: &Context,
    current: &Caller,
    input: NewTokenInput,
    client: &Client,
) -> Result<CreatedToken, IdentityError> {
    current.require_verified_email()?;
    let name = input.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(FieldError::new("name", "name the token in 1 to 100 characters").into());
    }
    let days = input.expires_in_days.unwrap_or(DEFAULT_TOKEN_DAYS);
    if !(1..=MAX_TOKEN_DAYS).contains(&days) {
        return Err(FieldError::new(
            "expires_in_days",
            format!("a token expires in 1 to {MAX_TOKEN_DAYS} days"),
        )
        .into());
    }
    let token = format!("{TOKEN_PREFIX}{}", b64url(&random_bytes::<32>()));
    let now = ctx.now();
    let id = Uuid::new_v4();
    ctx.store
        .create_api_token(&NewApiToken {
            id,
            user: current.id(),
            name: name.clone(),
            token_hash: sha256(token.as_bytes()),
            scope: input.scope,
            created_at: now,
            expires_at: now + TimeDelta::days(days),
        })
        .await?;
    audit::in_users_orgs(
        ctx,
        current.id(),
        "token.created",
        &client.ip,
        json!({"token": id, "name": name, "scope": input.scope.as_str()}),
    )
    .await?;
    let meta = ctx
        .store
        .api_tokens_of(current.id())
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or(IdentityError::NotFound)?;
    Ok(CreatedToken { meta, token })
}

/// The user's tokens (never their secrets).
#[tracing::instrument(skip_all, fields(user = %current.id()))]
pub async fn list(ctx: &Context, current: &Caller) -> Result<Vec<ApiToken>, IdentityError> {
    Ok(ctx.store.api_tokens_of(current.id()).await?)
}

/// Revokes one of the user's tokens; another user's id is not found, like a missing one.
#[tracing::instrument(skip_all, fields(user = %current.id()))]
pub async fn revoke(
    ctx: &Context,
    current: &Caller,
    id: &str,
    client: &Client,
) -> Result<(), IdentityError> {
    let id: Uuid = id.parse().map_err(|_| IdentityError::NotFound)?;
    if !ctx
        .store
        .revoke_api_token(current.id(), id, ctx.now())
        .await?
    {
        return Err(IdentityError::NotFound);
    }
    audit::in_users_orgs(
        ctx,
        current.id(),
        "token.revoked",
        &client.ip,
        json!({"token": id}),
    )
    .await?;
    Ok(())
}

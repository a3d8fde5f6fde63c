//! Personal API tokens: `fs_pat_<base64url of 32 random bytes>`, shown once, stored hashed.

use super::audit;
use crate::auth::crypto::{b64url, random_bytes, sha256};
use crate::auth::{ClientInfo, CurrentUser};
use crate::{ApiError, AppState};
use chrono::TimeDelta;
use flowsense_storage::{ApiToken, NewApiToken, TokenScope};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

pub const TOKEN_PREFIX: &str = "fs_pat_";
pub const DEFAULT_TOKEN_DAYS: i64 = 90;
pub const MAX_TOKEN_DAYS: i64 = 365;

#[derive(Debug, Deserialize)]
pub struct NewTokenInput {
    pub name: String,
    pub scope: TokenScope,
    #[serde(default)]
    pub expires_in_days: Option<i64>,
}

/// A created token: the only time its secret is shown.
#[derive(Debug, Serialize)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub meta: ApiToken,
    pub token: String,
}

/// Creates a token for the signed-in user (the handler demands recent authentication).
pub async fn create(
    state: &AppState,
    current: &CurrentUser,
    input: NewTokenInput,
    client: &ClientInfo,
) -> Result<CreatedToken, ApiError> {
    current.require_verified_email()?;
    let name = input.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::Unprocessable(
            "name the token in 1 to 100 characters".into(),
        ));
    }
    let days = input.expires_in_days.unwrap_or(DEFAULT_TOKEN_DAYS);
    if !(1..=MAX_TOKEN_DAYS).contains(&days) {
        return Err(ApiError::Unprocessable(format!(
            "a token expires in 1 to {MAX_TOKEN_DAYS} days"
        )));
    }
    let token = format!("{TOKEN_PREFIX}{}", b64url(&random_bytes::<32>()));
    let now = state.now();
    let id = Uuid::new_v4();
    state
        .store
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
        state,
        current.id(),
        "token.created",
        &client.ip,
        json!({"token": id, "name": name, "scope": input.scope.as_str()}),
    )
    .await?;
    let meta = state
        .store
        .api_tokens_of(current.id())
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or(ApiError::NotFound)?;
    Ok(CreatedToken { meta, token })
}

/// The user's tokens (never their secrets).
pub async fn list(state: &AppState, current: &CurrentUser) -> Result<Vec<ApiToken>, ApiError> {
    Ok(state.store.api_tokens_of(current.id()).await?)
}

/// Revokes one of the user's tokens; another user's id is not found, like a missing one.
pub async fn revoke(
    state: &AppState,
    current: &CurrentUser,
    id: &str,
    client: &ClientInfo,
) -> Result<(), ApiError> {
    let id: Uuid = id.parse().map_err(|_| ApiError::NotFound)?;
    if !state
        .store
        .revoke_api_token(current.id(), id, state.now())
        .await?
    {
        return Err(ApiError::NotFound);
    }
    audit::in_users_orgs(
        state,
        current.id(),
        "token.revoked",
        &client.ip,
        json!({"token": id}),
    )
    .await
}

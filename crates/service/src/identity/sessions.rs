//! A user's view of their own sessions.

use super::{AuthMethod, Caller, Client, IdentityError};
use crate::{Context, audit};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionView {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub user_agent: String,
    pub ip: String,
    pub current: bool,
}

fn current_public_id(current: &Caller) -> Option<Uuid> {
    match current.via {
        AuthMethod::Session { public_id, .. } => Some(public_id),
        AuthMethod::Token { .. } | AuthMethod::Local => None,
    }
}

/// The user's live sessions, newest first.
#[tracing::instrument(skip_all, fields(user = %current.id()))]
pub async fn list(ctx: &Context, current: &Caller) -> Result<Vec<SessionView>, IdentityError> {
    let now = ctx.now();
    let policy = ctx.session_policy;
    let mine = current_public_id(current);
    Ok(ctx
        .store
        .sessions_of_user(current.id())
        .await?
        .into_iter()
        .filter(|s| policy.is_live(s, now))
        .map(|s| SessionView {
            id: s.public_id,
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
            expires_at: s
                .absolute_expires_at
                .min(s.last_seen_at + policy.idle_timeout),
            user_agent: s.user_agent,
            ip: s.ip,
            current: Some(s.public_id) == mine,
        })
        .collect())
}

/// Signs out every other session (all of them when called with an API token).
#[tracing::instrument(skip_all, fields(user = %current.id()))]
pub async fn revoke_others(
    ctx: &Context,
    current: &Caller,
    client: &Client,
) -> Result<u64, IdentityError> {
    let keep = match &current.via {
        AuthMethod::Session { id_hash, .. } => Some(id_hash.as_slice()),
        AuthMethod::Token { .. } | AuthMethod::Local => None,
    };
    let n = ctx
        .store
        .delete_sessions_of_user(current.id(), keep)
        .await?;
    audit::in_users_orgs(
        ctx,
        current.id(),
        "session.revoked",
        &client.ip,
        json!({"count": n}),
    )
    .await?;
    Ok(n)
}

/// Signs out one of the user's sessions; another user's id is not found, like a missing one.
#[tracing::instrument(skip_all, fields(user = %current.id()))]
pub async fn revoke_one(
    ctx: &Context,
    current: &Caller,
    id: &str,
    client: &Client,
) -> Result<(), IdentityError> {
    let id: Uuid = id.parse().map_err(|_| IdentityError::NotFound)?;
    if !ctx.store.delete_session_of_user(current.id(), id).await? {
        return Err(IdentityError::NotFound);
    }
    audit::in_users_orgs(
        ctx,
        current.id(),
        "session.revoked",
        &client.ip,
        json!({"session": id}),
    )
    .await?;
    Ok(())
}

/// Ends a session issued during this request that the answer will not hand out after all (a
/// step-up's, when a later step renews the session again).
///
/// # Errors
/// A database failure.
pub async fn discard(ctx: &Context, issued: &super::session::Issued) -> Result<(), IdentityError> {
    ctx.store
        .delete_session(&super::crypto::sha256(issued.token.as_bytes()))
        .await?;
    Ok(())
}

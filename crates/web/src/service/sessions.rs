//! A user's view of their own sessions.

use super::audit;
use crate::auth::{AuthMethod, ClientInfo, CurrentUser};
use crate::{ApiError, AppState};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

#[derive(Debug, Serialize)]
pub struct SessionView {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub user_agent: String,
    pub ip: String,
    pub current: bool,
}

fn current_public_id(current: &CurrentUser) -> Option<Uuid> {
    match current.via {
        AuthMethod::Session { public_id, .. } => Some(public_id),
        AuthMethod::Token { .. } => None,
    }
}

/// The user's live sessions, newest first.
pub async fn list(state: &AppState, current: &CurrentUser) -> Result<Vec<SessionView>, ApiError> {
    let now = state.now();
    let policy = state.settings.session;
    let mine = current_public_id(current);
    Ok(state
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
pub async fn revoke_others(
    state: &AppState,
    current: &CurrentUser,
    client: &ClientInfo,
) -> Result<u64, ApiError> {
    let keep = match &current.via {
        AuthMethod::Session { id_hash, .. } => Some(id_hash.as_slice()),
        AuthMethod::Token { .. } => None,
    };
    let n = state
        .store
        .delete_sessions_of_user(current.id(), keep)
        .await?;
    audit::in_users_orgs(
        state,
        current.id(),
        "session.revoked",
        &client.ip,
        json!({"count": n}),
    )
    .await?;
    Ok(n)
}

/// Signs out one of the user's sessions; another user's id is not found, like a missing one.
pub async fn revoke_one(
    state: &AppState,
    current: &CurrentUser,
    id: &str,
    client: &ClientInfo,
) -> Result<(), ApiError> {
    let id: Uuid = id.parse().map_err(|_| ApiError::NotFound)?;
    if !state.store.delete_session_of_user(current.id(), id).await? {
        return Err(ApiError::NotFound);
    }
    audit::in_users_orgs(
        state,
        current.id(),
        "session.revoked",
        &client.ip,
        json!({"session": id}),
    )
    .await
}

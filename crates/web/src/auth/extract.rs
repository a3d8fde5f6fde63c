//! Permissions in types. A handler's signature says what it needs:
//! `CurrentUser` (signed in), `Viewer` / `Member` / `Admin` (a role in the `{org}` of the path,
//! loaded fresh from memberships on every request), `RecentAuth` (step-up), `ClientInfo`.

use super::crypto::{ct_eq, sha256};
use super::session::{csrf_for, session_token_from};
use crate::{ApiError, AppState, ErrorCode};
use axum::extract::{ConnectInfo, FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use axum::http::{Method, header};
use chrono::{DateTime, TimeDelta, Utc};
use flowsense_core::{OrgId, Role, UserId};
use flowsense_storage::{TokenScope, User};
use std::net::SocketAddr;
use uuid::Uuid;

/// How the request proved who it is.
#[derive(Clone, Debug)]
pub enum AuthMethod {
    Session {
        id_hash: Vec<u8>,
        public_id: Uuid,
        authenticated_at: DateTime<Utc>,
        csrf_token: String,
    },
    Token {
        id: Uuid,
        scope: TokenScope,
    },
}

/// A signed-in user, resolved once per request (session cookie or bearer token).
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub user: User,
    pub via: AuthMethod,
}

impl CurrentUser {
    #[must_use]
    pub fn id(&self) -> UserId {
        self.user.id
    }

    /// Whether this is a session whose user proved who they are (password, and code when
    /// enrolled) within the step-up window. API tokens never qualify.
    #[must_use]
    pub fn authenticated_recently(&self, state: &AppState) -> bool {
        match self.via {
            AuthMethod::Session {
                authenticated_at, ..
            } => state.now() - authenticated_at <= state.settings.session.recent_auth_window,
            AuthMethod::Token { .. } => false,
        }
    }

    /// 403 `email_not_verified` until the user has confirmed their address. Until then an
    /// account can read and accept the invitations sent to it, manage its own profile, and
    /// nothing more: no organisations, imports, invitations or API tokens — so a throwaway
    /// sign-up cannot relay mail or load the server.
    pub fn require_verified_email(&self) -> Result<(), ApiError> {
        if self.user.email_verified_at.is_some() {
            Ok(())
        } else {
            Err(ApiError::Forbidden(ErrorCode::EmailNotVerified))
        }
    }

    /// The session's token hash, or 403 for token-authenticated calls.
    pub fn session_hash(&self) -> Result<&[u8], ApiError> {
        match &self.via {
            AuthMethod::Session { id_hash, .. } => Ok(id_hash),
            AuthMethod::Token { .. } => Err(ApiError::Forbidden(ErrorCode::SessionRequired)),
        }
    }
}

/// How stale a session's or token's last-seen time may get. Requests within it write nothing,
/// so reading never queues behind another tenant's import for the database's single writer.
/// (The idle timeout may then end a session up to this much early.)
const LAST_SEEN_RESOLUTION: TimeDelta = TimeDelta::minutes(1);

/// How long a request waits for its bookkeeping write before going on without it.
const BOOKKEEPING_WAIT: std::time::Duration = std::time::Duration::from_millis(250);

/// A bookkeeping write (a last-seen time, removing an expired session) that must not fail or
/// stall the request: the write runs as its own task; the request waits for it briefly (so the
/// common case is done before the answer), and a write queued behind a long transaction
/// finishes, or fails with a warning, on its own. At most [`AppState::bookkeeping_writers`] such
/// writes wait at once, so they never take the pool from readers; past that the write is
/// skipped, and the next request tries again.
async fn bookkeeping_write(
    state: &AppState,
    write: impl Future<Output = Result<(), flowsense_storage::StorageError>> + Send + 'static,
) {
    let Ok(permit) = state.bookkeeping_writers.clone().try_acquire_owned() else {
        return;
    };
    let task = tokio::spawn(async move {
        let _permit = permit;
        if let Err(e) = write.await {
            tracing::warn!(error = %flowsense_core::ErrorChain(&e), "a session bookkeeping write failed");
        }
    });
    let _ = tokio::time::timeout(BOOKKEEPING_WAIT, task).await;
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

async fn resolve(parts: &mut Parts, state: &AppState) -> Result<CurrentUser, ApiError> {
    if let Some(u) = parts.extensions.get::<CurrentUser>() {
        return Ok(u.clone());
    }
    let now = state.now();
    let unsafe_method = !is_safe(&parts.method);
    let current = if let Some(auth) = parts.headers.get(header::AUTHORIZATION) {
        let token = auth
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .filter(|t| t.starts_with("fs_pat_"))
            .ok_or(ApiError::Unauthorized(ErrorCode::Unauthenticated))?;
        let t = state
            .store
            .api_token_by_hash(&sha256(token.trim().as_bytes()))
            .await?
            .filter(|t| t.revoked_at.is_none() && now < t.expires_at)
            .ok_or(ApiError::Unauthorized(ErrorCode::Unauthenticated))?;
        if unsafe_method && t.scope == TokenScope::Read {
            return Err(ApiError::Forbidden(ErrorCode::ReadOnlyToken));
        }
        if t.last_used_at
            .is_none_or(|at| now - at >= LAST_SEEN_RESOLUTION)
        {
            let (store, id) = (state.store.clone(), t.id);
            bookkeeping_write(state, async move { store.touch_api_token(id, now).await }).await;
        }
        CurrentUser {
            user: state.store.user(t.user).await?,
            via: AuthMethod::Token {
                id: t.id,
                scope: t.scope,
            },
        }
    } else {
        let token = session_token_from(state, &parts.headers)
            .ok_or(ApiError::Unauthorized(ErrorCode::Unauthenticated))?;
        let id_hash = sha256(token.as_bytes());
        let session = state
            .store
            .session_by_hash(&id_hash)
            .await?
            .ok_or(ApiError::Unauthorized(ErrorCode::Unauthenticated))?;
        if !state.settings.session.is_live(&session, now) {
            // Tidying up is not the answer: a busy writer must not turn this 401 into a 500.
            let (store, hash) = (state.store.clone(), id_hash.clone());
            bookkeeping_write(
                state,
                async move { store.delete_session(&hash).await.map(drop) },
            )
            .await;
            return Err(ApiError::Unauthorized(ErrorCode::Unauthenticated));
        }
        let csrf_token = csrf_for(state, &token);
        if unsafe_method {
            let sent = parts
                .headers
                .get("x-csrf-token")
                .map(|v| v.as_bytes())
                .unwrap_or_default();
            if !ct_eq(sent, csrf_token.as_bytes()) {
                return Err(ApiError::Forbidden(ErrorCode::Csrf));
            }
        }
        if now - session.last_seen_at >= LAST_SEEN_RESOLUTION {
            let (store, hash) = (state.store.clone(), id_hash.clone());
            bookkeeping_write(state, async move { store.touch_session(&hash, now).await }).await;
        }
        CurrentUser {
            user: state.store.user(session.user()).await?,
            via: AuthMethod::Session {
                id_hash,
                public_id: session.public_id,
                authenticated_at: session.authenticated_at,
                csrf_token,
            },
        }
    };
    parts.extensions.insert(current.clone());
    Ok(current)
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        resolve(parts, state).await
    }
}

/// The user authenticated (password, and code when enrolled) within the policy's window, in
/// this session. API tokens never qualify. Only the extractor and a page's step-up make one.
#[derive(Clone, Debug)]
pub struct RecentAuth(());

impl RecentAuth {
    /// The proof a page's step-up form gave (the session was just renewed).
    pub(crate) fn after_step_up() -> Self {
        RecentAuth(())
    }
}

impl FromRequestParts<AppState> for RecentAuth {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let current = resolve(parts, state).await?;
        if current.authenticated_recently(state) {
            Ok(RecentAuth(()))
        } else {
            Err(ApiError::Forbidden(ErrorCode::ReauthenticationRequired))
        }
    }
}

/// A signed-in user's standing in the organisation named by the `{org}` path segment.
#[derive(Clone, Debug)]
pub struct OrgAccess {
    pub org: OrgId,
    pub user: UserId,
    pub role: Role,
    pub current: CurrentUser,
}

/// Any id that is not an organisation the user belongs to — malformed, missing or someone
/// else's — is answered 404 alike.
async fn resolve_org(
    parts: &mut Parts,
    state: &AppState,
    needed: Role,
) -> Result<OrgAccess, ApiError> {
    let current = resolve(parts, state).await?;
    current.require_verified_email()?;
    let params = RawPathParams::from_request_parts(parts, state)
        .await
        .map_err(|_| ApiError::NotFound)?;
    let org: OrgId = params
        .iter()
        .find(|(k, _)| *k == "org")
        .and_then(|(_, v)| v.parse().ok())
        .ok_or(ApiError::NotFound)?;
    let role = state
        .store
        .role_in(org, current.id())
        .await?
        .ok_or(ApiError::NotFound)?;
    if !current.user.mfa_enabled && state.store.org(org).await?.settings.mfa_required {
        return Err(ApiError::Forbidden(ErrorCode::MfaRequired));
    }
    if !role.allows(needed) {
        return Err(ApiError::Forbidden(ErrorCode::Forbidden));
    }
    Ok(OrgAccess {
        org,
        user: current.id(),
        role,
        current,
    })
}

macro_rules! org_extractor {
    ($(#[$doc:meta])* $name:ident, $role:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug)]
        pub struct $name(pub OrgAccess);

        impl std::ops::Deref for $name {
            type Target = OrgAccess;
            fn deref(&self) -> &OrgAccess {
                &self.0
            }
        }

        impl FromRequestParts<AppState> for $name {
            type Rejection = ApiError;
            async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
                resolve_org(parts, state, $role).await.map($name)
            }
        }
    };
}

org_extractor!(
    /// At least a viewer of `{org}`.
    Viewer,
    Role::Viewer
);
org_extractor!(
    /// At least a member of `{org}`.
    Member,
    Role::Member
);
org_extractor!(
    /// An admin of `{org}`.
    Admin,
    Role::Admin
);

/// Who is calling from where: the client's address (the peer, or what a trusted proxy says),
/// the user agent (for sessions, limits and audit).
#[derive(Clone, Debug)]
pub struct ClientInfo {
    pub ip: String,
    pub user_agent: String,
    /// The hash of the session token the request carried, if any (rotated out at sign-in).
    pub presented_session: Option<Vec<u8>>,
}

impl FromRequestParts<AppState> for ClientInfo {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or_else(
                || "unknown".to_owned(),
                |c| {
                    state
                        .settings
                        .trusted_proxies
                        .client_ip(c.0.ip(), &parts.headers)
                        .to_string()
                },
            );
        let user_agent: String = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .chars()
            .take(256)
            .collect();
        let presented_session =
            session_token_from(state, &parts.headers).map(|t| sha256(t.as_bytes()));
        Ok(ClientInfo {
            ip,
            user_agent,
            presented_session,
        })
    }
}

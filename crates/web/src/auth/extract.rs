//! Permissions in types. A handler's signature says what it needs:
//! `CurrentUser` (signed in), `Viewer` / `Member` / `Admin` (a role in the `{org}` of the path,
//! loaded fresh from memberships on every request), `RecentAuth` (step-up), `ClientInfo`.

use super::crypto::{ct_eq, sha256};
use super::session::{csrf_for, session_token_from};
use crate::{ApiError, AppState};
use axum::extract::{ConnectInfo, FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use axum::http::{Method, header};
use chrono::{DateTime, Utc};
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

    /// The session's token hash, or 403 for token-authenticated calls.
    pub fn session_hash(&self) -> Result<&[u8], ApiError> {
        match &self.via {
            AuthMethod::Session { id_hash, .. } => Ok(id_hash),
            AuthMethod::Token { .. } => Err(ApiError::Forbidden("session_required")),
        }
    }
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
            .ok_or(ApiError::Unauthorized("unauthenticated"))?;
        let t = state
            .store
            .api_token_by_hash(&sha256(token.trim().as_bytes()))
            .await?
            .filter(|t| t.revoked_at.is_none() && now < t.expires_at)
            .ok_or(ApiError::Unauthorized("unauthenticated"))?;
        if unsafe_method && t.scope == TokenScope::Read {
            return Err(ApiError::Forbidden("read_only_token"));
        }
        state.store.touch_api_token(t.id, now).await?;
        CurrentUser {
            user: state.store.user(t.user).await?,
            via: AuthMethod::Token {
                id: t.id,
                scope: t.scope,
            },
        }
    } else {
        let token = session_token_from(state, &parts.headers)
            .ok_or(ApiError::Unauthorized("unauthenticated"))?;
        let id_hash = sha256(token.as_bytes());
        let session = state
            .store
            .session_by_hash(&id_hash)
            .await?
            .ok_or(ApiError::Unauthorized("unauthenticated"))?;
        if !state.settings.session.is_live(&session, now) {
            state.store.delete_session(&id_hash).await?;
            return Err(ApiError::Unauthorized("unauthenticated"));
        }
        let csrf_token = csrf_for(state, &token);
        if unsafe_method {
            let sent = parts
                .headers
                .get("x-csrf-token")
                .map(|v| v.as_bytes())
                .unwrap_or_default();
            if !ct_eq(sent, csrf_token.as_bytes()) {
                return Err(ApiError::Forbidden("csrf"));
            }
        }
        state.store.touch_session(&id_hash, now).await?;
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
/// this session. API tokens never qualify.
#[derive(Clone, Debug)]
pub struct RecentAuth;

impl FromRequestParts<AppState> for RecentAuth {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let current = resolve(parts, state).await?;
        if current.authenticated_recently(state) {
            Ok(RecentAuth)
        } else {
            Err(ApiError::Forbidden("reauthentication_required"))
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
        return Err(ApiError::Forbidden("mfa_required"));
    }
    if !role.allows(needed) {
        return Err(ApiError::Forbidden("forbidden"));
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

/// Who is calling from where: the peer address and user agent (for sessions, limits and audit).
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
            .map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string());
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

//! Permissions in types. A handler's signature says what it needs:
//! `CurrentUser` (signed in), `Viewer` / `Member` / `Admin` (a role in the `{org}` of the path,
//! as the memberships stood when the request arrived: see [`flowsense_storage::AuthView`]),
//! `RecentAuth` (step-up), `ClientInfo`.

use super::session::session_token_from;
use crate::org_path::{OrgPath, replace_org_segment};
use crate::routes::spec_of;
use crate::{ApiError, AppState, ErrorCode};
use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, RawPathParams};
use axum::http::request::Parts;
use axum::http::{Method, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::TimeDelta;
use flowsense_core::{OrgId, Role};
pub use flowsense_service::identity::AuthMethod;
use flowsense_service::identity::crypto::{ct_eq, sha256};
use flowsense_service::identity::session::csrf_for;
use flowsense_service::identity::{Caller, Client};
pub use flowsense_service::orgs::OrgAccess;
use flowsense_service::orgs::lifecycle;
use flowsense_storage::TokenScope;
use std::net::SocketAddr;

/// A signed-in user, resolved once per request (session cookie or bearer token): the
/// services' [`Caller`], which it dereferences to.
#[derive(Clone, Debug)]
pub struct CurrentUser(pub Caller);

impl std::ops::Deref for CurrentUser {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.0
    }
}

impl CurrentUser {
    /// Whether this is a session whose user proved who they are (password, and code when
    /// enrolled) within the step-up window. API tokens never qualify.
    #[must_use]
    pub fn authenticated_recently(&self, state: &AppState) -> bool {
        self.authenticated_within(state.now(), state.session_policy.recent_auth_window)
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
///
/// The write starts when this is called; the future returned only waits for it, so the caller's
/// future never holds the write's (large) own.
fn bookkeeping_write(
    state: &AppState,
    write: impl Future<Output = Result<(), flowsense_storage::StorageError>> + Send + 'static,
) -> impl Future<Output = ()> + Send + 'static {
    let task = state
        .bookkeeping_writers
        .clone()
        .try_acquire_owned()
        .ok()
        .map(|permit| {
            tokio::spawn(async move {
                let _permit = permit;
                if let Err(e) = write.await {
                    tracing::warn!(error = %flowsense_core::ErrorChain(&e), "a session bookkeeping write failed");
                }
            })
        });
    async move {
        if let Some(task) = task {
            let _ = tokio::time::timeout(BOOKKEEPING_WAIT, task).await;
        }
    }
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The user behind a live session or token, unless an operator disabled them: then the
/// session or token is answered as if it did not exist.
fn enabled(user: flowsense_storage::User) -> Result<flowsense_storage::User, ApiError> {
    if user.disabled_at.is_some() {
        return Err(ApiError::Unauthorized(ErrorCode::Unauthenticated));
    }
    Ok(user)
}

async fn resolve(parts: &mut Parts, state: &AppState) -> Result<CurrentUser, ApiError> {
    if let Some(u) = parts.extensions.get::<CurrentUser>() {
        return Ok(u.clone());
    }
    // Boxed: the reads below make a large future, which every future awaiting this one would
    // otherwise hold inline and copy each time it is moved (a memcpy per request per layer).
    Box::pin(resolve_afresh(parts, state)).await
}

async fn resolve_afresh(parts: &mut Parts, state: &AppState) -> Result<CurrentUser, ApiError> {
    let now = state.now();
    let unsafe_method = !is_safe(&parts.method);
    let current = if let Some(auth) = parts.headers.get(header::AUTHORIZATION) {
        let token = auth
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .filter(|t| t.starts_with("fs_pat_"))
            .ok_or(ApiError::Unauthorized(ErrorCode::Unauthenticated))?;
        let hash = sha256(token.trim().as_bytes());
        // The sign-in data as of now, which everything the request reads about its caller
        // goes through: from memory while nothing it depends on has changed anywhere, from
        // the database otherwise ([`flowsense_storage::AuthView`]).
        let view = state.store.auth_view().await?;
        let t = view
            .api_token(&hash)
            .await?
            .filter(|t| t.revoked_at.is_none() && now < t.expires_at)
            .ok_or(ApiError::Unauthorized(ErrorCode::Unauthenticated))?;
        if unsafe_method && t.scope == TokenScope::Read {
            return Err(ApiError::Forbidden(ErrorCode::ReadOnlyToken));
        }
        if t.last_used_at
            .is_none_or(|at| now - at >= LAST_SEEN_RESOLUTION)
        {
            view.token_used(&hash, now);
            let (store, id) = (state.store.clone(), t.id);
            bookkeeping_write(state, async move { store.touch_api_token(id, now).await }).await;
        }
        CurrentUser(Caller {
            user: enabled(view.user(t.user).await?)?,
            via: AuthMethod::Token {
                id: t.id,
                scope: t.scope,
            },
            view: (!unsafe_method).then_some(view),
        })
    } else {
        let token = session_token_from(state, &parts.headers)
            .ok_or(ApiError::Unauthorized(ErrorCode::Unauthenticated))?;
        let id_hash = sha256(token.as_bytes());
        let view = state.store.auth_view().await?;
        // The session and its user in one read.
        let mut found = view.session_with_user(&id_hash).await?;
        if found
            .as_ref()
            .is_some_and(|(s, _)| !state.session_policy.is_live(s, now))
        {
            // The idle timeout counts from a last-seen time that another instance may have
            // moved on since this one kept it: only the database's may end the session.
            found = Box::pin(view.session_with_user_afresh(&id_hash)).await?;
        }
        let (session, user) = found.ok_or(ApiError::Unauthorized(ErrorCode::Unauthenticated))?;
        if !state.session_policy.is_live(&session, now) {
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
            view.session_seen(&id_hash, now);
            let (store, hash) = (state.store.clone(), id_hash.clone());
            bookkeeping_write(state, async move { store.touch_session(&hash, now).await }).await;
        }
        CurrentUser(Caller {
            user: enabled(user)?,
            via: AuthMethod::Session {
                id_hash,
                public_id: session.public_id,
                authenticated_at: session.authenticated_at,
                csrf_token,
            },
            view: (!unsafe_method).then_some(view),
        })
    };
    tracing::Span::current().record("user", tracing::field::display(current.id()));
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
/// this session: the services' proof, which it dereferences to. API tokens never qualify.
#[derive(Clone, Debug)]
pub struct RecentAuth(pub flowsense_service::identity::RecentAuth);

impl std::ops::Deref for RecentAuth {
    type Target = flowsense_service::identity::RecentAuth;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl FromRequestParts<AppState> for RecentAuth {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let current = resolve(parts, state).await?;
        Ok(RecentAuth(flowsense_service::identity::RecentAuth::check(
            state, &current,
        )?))
    }
}

/// The organisation a request's `{org}` names, checked against the caller's membership.
///
/// Pages name it by slug or id (see [`crate::org_path`]); a page asked for by id with `GET` is
/// redirected (308) to its slug address once the membership is checked. The JSON API takes
/// either, and answers the same whichever names it (no redirect). Anything that is not an
/// organisation the user belongs to — malformed, missing or someone else's, by id or by slug —
/// is answered 404 alike.
async fn resolve_org(
    parts: &mut Parts,
    state: &AppState,
    needed: Role,
) -> Result<(OrgAccess, OrgPath), Response> {
    let current = resolve(parts, state)
        .await
        .map_err(IntoResponse::into_response)?;
    current
        .require_verified_email()
        .map_err(|e| ApiError::from(e).into_response())?;
    let not_found = || ApiError::NotFound.into_response();
    let params = RawPathParams::from_request_parts(parts, state)
        .await
        .map_err(|_| not_found())?;
    let segment = params
        .iter()
        .find(|(k, _)| *k == "org")
        .map(|(_, v)| v.to_owned())
        .ok_or_else(not_found)?;
    let template = parts
        .extensions
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_default();
    let page = spec_of(&template).is_some_and(|spec| spec.page);
    let (org, path) = if let Ok(id) = segment.parse::<OrgId>()
        && !page
    {
        // An id: the membership check below finds it or answers 404.
        (id, OrgPath::by_id(id))
    } else {
        // Boxed: only pages and slugs take this path, and its reads make a large future.
        let memberships = Box::pin(lifecycle::organisations_of(state, &current))
            .await
            .map_err(|e| ApiError::from(e).into_response())?;
        let found = if page {
            OrgPath::find(&memberships, &segment)
        } else {
            OrgPath::find_for_api(&memberships, &segment)
        }
        .ok_or_else(not_found)?;
        let path = if page {
            OrgPath::of(found.id, &found.slug)
        } else {
            OrgPath::by_id(found.id)
        };
        (found.id, path)
    };
    // Recorded before the check, so a refusal is logged with the organisation it was about.
    tracing::Span::current().record("org", tracing::field::display(org));
    let access = OrgAccess::check(state, current.0, org, needed)
        .await
        .map_err(|e| ApiError::from(e).into_response())?;
    if page
        && is_safe(&parts.method)
        && path.as_str() != segment
        && let Some(to) = replace_org_segment(&template, parts.uri.path(), parts.uri.query(), &path)
    {
        return Err(Redirect::permanent(&to).into_response());
    }
    Ok((access, path))
}

macro_rules! org_extractor {
    ($(#[$doc:meta])* $name:ident, $role:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug)]
        pub struct $name {
            pub access: OrgAccess,
            /// How the pages' addresses name the organisation (`/app/{path}/…`).
            pub(crate) path: OrgPath,
        }

        impl std::ops::Deref for $name {
            type Target = OrgAccess;
            fn deref(&self) -> &OrgAccess {
                &self.access
            }
        }

        impl FromRequestParts<AppState> for $name {
            type Rejection = Response;
            async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
                // Boxed for the same reason as [`resolve`]'s reads: the handler's future stays small.
                Box::pin(resolve_org(parts, state, $role))
                    .await
                    .map(|(access, path)| $name { access, path })
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
/// the user agent, the session presented (for sessions, limits and audit) — the services'
/// [`Client`], which it dereferences to.
#[derive(Clone, Debug)]
pub struct ClientInfo(pub Client);

impl std::ops::Deref for ClientInfo {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.0
    }
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
        Ok(ClientInfo(Client {
            ip,
            user_agent,
            presented_session,
        }))
    }
}

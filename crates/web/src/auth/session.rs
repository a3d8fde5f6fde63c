//! Server-side sessions: opaque 256-bit tokens in a cookie, only their SHA-256 stored, an idle
//! timeout and an absolute lifetime, and a CSRF token derived from the session token by HMAC.

use super::crypto::{b64url, hmac_sha256, random_bytes, sha256};
use super::extract::ClientInfo;
use crate::{ApiError, AppState};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use chrono::{DateTime, TimeDelta, Utc};
use flowsense_core::UserId;
use flowsense_storage::{NewSession, Session};

pub(crate) const SECURE_COOKIE: &str = "__Host-flowsense_session";
pub(crate) const PLAIN_COOKIE: &str = "flowsense_session";

/// How long sessions live.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    /// Signed out after this long without a request.
    pub idle_timeout: TimeDelta,
    /// Signed out this long after signing in, however active.
    pub absolute_lifetime: TimeDelta,
    /// Sensitive actions need a password (and code) entered at most this long ago.
    pub recent_auth_window: TimeDelta,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            idle_timeout: TimeDelta::minutes(30),
            absolute_lifetime: TimeDelta::hours(12),
            recent_auth_window: TimeDelta::minutes(10),
        }
    }
}

impl SessionPolicy {
    #[must_use]
    pub fn is_live(&self, s: &Session, now: DateTime<Utc>) -> bool {
        now < s.absolute_expires_at && now < s.last_seen_at + self.idle_timeout
    }
}

pub(crate) fn cookie_name(state: &AppState) -> &'static str {
    if state.settings.secure_cookies {
        SECURE_COOKIE
    } else {
        PLAIN_COOKIE
    }
}

fn cookie(state: &AppState, value: &str, max_age: i64) -> HeaderValue {
    let secure = if state.settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let text = format!(
        "{}={value}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age}{secure}",
        cookie_name(state)
    );
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

/// The `Set-Cookie` value carrying a new session token.
pub(crate) fn session_cookie(state: &AppState, token: &str) -> HeaderValue {
    cookie(
        state,
        token,
        state.settings.session.absolute_lifetime.num_seconds(),
    )
}

/// `response`, made to have the browser forget the session: the cookie is cleared, and
/// `Clear-Site-Data` drops whatever else the origin stored.
pub(crate) fn forget_session(state: &AppState, mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(header::SET_COOKIE, cookie(state, "", 0));
    h.insert("clear-site-data", HeaderValue::from_static("\"cookies\""));
    response
}

/// The session token the request carries, if any.
pub(crate) fn session_token_from(state: &AppState, headers: &HeaderMap) -> Option<String> {
    let name = cookie_name(state);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, v)| *k == name && !v.is_empty())
        .map(|(_, v)| v.to_owned())
}

/// The CSRF token of a session: derived, so it never needs storing in clear.
pub(crate) fn csrf_for(state: &AppState, session_token: &str) -> String {
    b64url(&hmac_sha256(
        &state.key.subkey("csrf"),
        &[session_token.as_bytes()],
    ))
}

/// A new session, ready to hand to the browser.
pub struct Issued {
    pub token: String,
    pub csrf_token: String,
}

/// Creates a session for `user`, deleting the one it `replaces` (rotation).
pub(crate) async fn issue_session(
    state: &AppState,
    user: UserId,
    replaces: Option<&[u8]>,
    authenticated_at: DateTime<Utc>,
    mfa_at: Option<DateTime<Utc>>,
    client: &ClientInfo,
) -> Result<Issued, ApiError> {
    let now = state.now();
    let token = b64url(&random_bytes::<32>());
    let csrf_token = csrf_for(state, &token);
    let new = NewSession {
        id_hash: sha256(token.as_bytes()),
        public_id: uuid::Uuid::new_v4(),
        user,
        csrf_token_hash: sha256(csrf_token.as_bytes()),
        now,
        absolute_expires_at: now + state.settings.session.absolute_lifetime,
        authenticated_at,
        mfa_at,
        user_agent: client.user_agent.clone(),
        ip: client.ip.clone(),
    };
    state.store.create_session(&new, replaces).await?;
    Ok(Issued { token, csrf_token })
}

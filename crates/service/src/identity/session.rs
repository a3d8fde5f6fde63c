//! Server-side sessions: opaque 256-bit tokens, only their SHA-256 stored, an idle timeout and
//! an absolute lifetime, and a CSRF token derived from the session token by HMAC. How the token
//! travels (a cookie) is the web crate's business.

use super::Client;
use super::crypto::{b64url, hmac_sha256, random_bytes, sha256};
use crate::Context;
use chrono::{DateTime, TimeDelta, Utc};
use flowsense_core::UserId;
use flowsense_storage::{NewSession, Session, StorageError};

/// How long sessions live.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    /// Signed out after this long without a request.
    pub idle_timeout: TimeDelta,
    /// Signed out this long after signing in, however active.
    pub absolute_lifetime: TimeDelta,
    /// Sensitive actions need a password (and code) entered at most this long ago.
    pub recent_auth_window: TimeDelta,
    /// Sessions one user may hold at once; signing in once more ends their oldest.
    pub max_sessions_per_user: u32,
}

/// The default concurrent-session limit (documented in `SECURITY.md`).
pub const MAX_SESSIONS_PER_USER: u32 = 10;

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            idle_timeout: TimeDelta::minutes(30),
            absolute_lifetime: TimeDelta::hours(12),
            recent_auth_window: TimeDelta::minutes(10),
            max_sessions_per_user: MAX_SESSIONS_PER_USER,
        }
    }
}

impl SessionPolicy {
    #[must_use]
    pub fn is_live(&self, s: &Session, now: DateTime<Utc>) -> bool {
        now < s.absolute_expires_at && now < s.last_seen_at + self.idle_timeout
    }
}

/// The CSRF token of a session: derived, so it never needs storing in clear.
#[must_use]
pub fn csrf_for(ctx: &Context, session_token: &str) -> String {
    b64url(&hmac_sha256(
        &ctx.key.subkey("csrf"),
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
    ctx: &Context,
    user: UserId,
    replaces: Option<&[u8]>,
    authenticated_at: DateTime<Utc>,
    mfa_at: Option<DateTime<Utc>>,
    client: &Client,
) -> Result<Issued, StorageError> {
    let now = ctx.now();
    let token = b64url(&random_bytes::<32>());
    let csrf_token = csrf_for(ctx, &token);
    let new = NewSession {
        id_hash: sha256(token.as_bytes()),
        public_id: uuid::Uuid::new_v4(),
        user,
        csrf_token_hash: sha256(csrf_token.as_bytes()),
        now,
        absolute_expires_at: now + ctx.session_policy.absolute_lifetime,
        authenticated_at,
        mfa_at,
        user_agent: client.user_agent.clone(),
        ip: client.ip.clone(),
    };
    ctx.store.create_session(&new, replaces).await?;
    let others = ctx.session_policy.max_sessions_per_user.saturating_sub(1);
    let ended = ctx
        .store
        .delete_sessions_beyond(user, &new.id_hash, others)
        .await?;
    if ended > 0 {
        tracing::info!(%user, ended, "the oldest sessions ended at the concurrent-session limit");
    }
    Ok(Issued { token, csrf_token })
}

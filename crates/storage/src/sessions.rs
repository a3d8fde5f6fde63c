//! Server-side sessions. Only the SHA-256 of a session token is stored; the public id is a
//! separate random UUID a user may see and use to revoke one session.

use crate::Store;
use crate::args::{Sql, sql};
use crate::error::Result;
use crate::users::User;
use chrono::{DateTime, Utc};
use flowsense_core::{OrgId, UserId};
use uuid::Uuid;

/// A session to create.
#[derive(Clone)]
pub struct NewSession {
    pub id_hash: Vec<u8>,
    pub public_id: Uuid,
    pub user: UserId,
    pub csrf_token_hash: Vec<u8>,
    pub now: DateTime<Utc>,
    pub absolute_expires_at: DateTime<Utc>,
    /// When the user last proved who they are (password, and the second factor if enabled).
    pub authenticated_at: DateTime<Utc>,
    pub mfa_at: Option<DateTime<Utc>>,
    pub user_agent: String,
    pub ip: String,
}

/// A stored session. `Debug` leaves out the hashes.
#[derive(Clone, sqlx::FromRow)]
pub struct Session {
    pub id_hash: Vec<u8>,
    pub public_id: Uuid,
    #[sqlx(rename = "user_id")]
    pub user_uuid: Uuid,
    pub csrf_token_hash: Vec<u8>,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub absolute_expires_at: DateTime<Utc>,
    pub authenticated_at: DateTime<Utc>,
    pub mfa_at: Option<DateTime<Utc>>,
    pub user_agent: String,
    pub ip: String,
}

/// A session and its user's columns (prefixed `user_`), as `sessions/by_hash_with_user` reads.
#[derive(sqlx::FromRow)]
struct SessionWithUserRow {
    #[sqlx(flatten)]
    session: Session,
    user_email: String,
    user_display_name: String,
    user_password_hash: String,
    user_mfa_enabled: bool,
    user_email_verified_at: Option<DateTime<Utc>>,
    user_failed_logins: i64,
    user_locked_until: Option<DateTime<Utc>>,
    user_created_at: DateTime<Utc>,
    user_disabled_at: Option<DateTime<Utc>>,
}

impl Session {
    #[must_use]
    pub fn user(&self) -> UserId {
        UserId(self.user_uuid)
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("public_id", &self.public_id)
            .field("user", &self.user_uuid)
            .field("last_seen_at", &self.last_seen_at)
            .finish_non_exhaustive()
    }
}

fn insert(s: &NewSession) -> Sql {
    sql!("sessions/insert")
        .arg(s.id_hash.clone())
        .arg(s.public_id)
        .arg(s.user)
        .arg(s.csrf_token_hash.clone())
        .arg(s.now)
        .arg(s.absolute_expires_at)
        .arg(s.authenticated_at)
        .arg(s.mfa_at)
        .arg(s.user_agent.as_str())
        .arg(s.ip.as_str())
}

impl Store {
    /// Stores a new session, deleting `replaces` (the session it rotates out) in the same
    /// transaction.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn create_session(&self, new: &NewSession, replaces: Option<&[u8]>) -> Result<()> {
        let mut tx = self.begin().await?;
        if let Some(old) = replaces {
            tx.execute(sql!("sessions/delete_by_hash").arg(old.to_vec()))
                .await?;
        }
        tx.execute(insert(new)).await?;
        tx.commit().await
    }

    /// The session whose token hashes to `id_hash`, if any (expiry is the caller's policy).
    ///
    /// # Errors
    /// On a database failure.
    pub async fn session_by_hash(&self, id_hash: &[u8]) -> Result<Option<Session>> {
        self.read_optional(sql!("sessions/by_hash").arg(id_hash.to_vec()))
            .await
    }

    /// The session whose token hashes to `id_hash` and its user, in one statement (every
    /// signed-in request reads both; a session whose user is gone is no session).
    ///
    /// # Errors
    /// On a database failure.
    pub async fn session_with_user(&self, id_hash: &[u8]) -> Result<Option<(Session, User)>> {
        let row: Option<SessionWithUserRow> = self
            .read_optional(sql!("sessions/by_hash_with_user").arg(id_hash.to_vec()))
            .await?;
        Ok(row.map(|r| {
            let user = User {
                id: UserId(r.session.user_uuid),
                email: r.user_email,
                display_name: r.user_display_name,
                password_hash: r.user_password_hash,
                mfa_enabled: r.user_mfa_enabled,
                email_verified_at: r.user_email_verified_at,
                failed_logins: r.user_failed_logins,
                locked_until: r.user_locked_until,
                created_at: r.user_created_at,
                disabled_at: r.user_disabled_at,
            };
            (r.session, user)
        }))
    }

    /// Records activity on a session (the idle timeout counts from here).
    ///
    /// # Errors
    /// On a database failure.
    pub async fn touch_session(&self, id_hash: &[u8], at: DateTime<Utc>) -> Result<()> {
        let mut tx = self.begin().await?;
        tx.execute(sql!("sessions/touch").arg(id_hash.to_vec()).arg(at))
            .await?;
        tx.commit().await
    }

    /// Deletes one session by its token hash; `true` when it existed.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn delete_session(&self, id_hash: &[u8]) -> Result<bool> {
        let mut tx = self.begin().await?;
        let n = tx
            .execute(sql!("sessions/delete_by_hash").arg(id_hash.to_vec()))
            .await?;
        tx.commit().await?;
        Ok(n > 0)
    }

    /// A user's sessions, newest first.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn sessions_of_user(&self, user: UserId) -> Result<Vec<Session>> {
        let mut tx = self.begin_read().await?;
        let rows = tx.fetch_all(sql!("sessions/of_user").arg(user)).await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// Deletes one of the user's sessions by its public id; `true` when it existed. The user
    /// filter makes another user's session id answer `false`, like a missing one.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn delete_session_of_user(&self, user: UserId, public_id: Uuid) -> Result<bool> {
        let mut tx = self.begin().await?;
        let n = tx
            .execute(
                sql!("sessions/delete_of_user_by_public_id")
                    .arg(user)
                    .arg(public_id),
            )
            .await?;
        tx.commit().await?;
        Ok(n > 0)
    }

    /// Keeps the user's session `newest` and their `others` most recently created other
    /// sessions, and deletes the rest (the concurrent-session limit); returns how many went.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn delete_sessions_beyond(
        &self,
        user: UserId,
        newest: &[u8],
        others: u32,
    ) -> Result<u64> {
        let mut tx = self.begin().await?;
        let n = tx
            .execute(
                sql!("sessions/delete_beyond_newest")
                    .arg(user)
                    .arg(newest.to_vec())
                    .arg(i64::from(others)),
            )
            .await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Deletes every session of a user except `keep`; returns how many went.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn delete_sessions_of_user(&self, user: UserId, keep: Option<&[u8]>) -> Result<u64> {
        let mut tx = self.begin().await?;
        let n = match keep {
            Some(k) => {
                tx.execute(
                    sql!("sessions/delete_others_of_user")
                        .arg(user)
                        .arg(k.to_vec()),
                )
                .await?
            }
            None => {
                tx.execute(sql!("sessions/delete_all_of_user").arg(user))
                    .await?
            }
        };
        tx.commit().await?;
        Ok(n)
    }

    /// Ends every session of `user` when they are a member of `org` (an admin of `org` may end
    /// them). `None` when they are not a member, so another organisation's user is not found.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn delete_sessions_of_member(&self, org: OrgId, user: UserId) -> Result<Option<u64>> {
        let mut tx = self.scoped(org).await?;
        let member: Option<(Uuid,)> = tx
            .fetch_optional(sql!("users/is_member").arg(org).arg(user))
            .await?;
        if member.is_none() {
            return Ok(None);
        }
        let n = tx
            .execute(sql!("sessions/delete_all_of_member").arg(org).arg(user))
            .await?;
        tx.commit().await?;
        Ok(Some(n))
    }
}

//! Passwords, e-mail verification and the per-account failed sign-in counter.

use crate::Store;
use crate::args::sql;
use crate::error::{Result, StorageError};
use chrono::{DateTime, Utc};
use flowsense_core::UserId;

/// What a password change or reset revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Revoked {
    pub sessions: u64,
    pub tokens: u64,
    /// An unfinished MFA enrolment was dropped.
    pub pending_mfa: bool,
}

impl Store {
    /// Replaces a user's password hash (a PHC string), clears their failed sign-ins and, in the
    /// same transaction, signs out every session (and with `revoke_tokens`, revokes every
    /// personal API token) and drops an unfinished MFA enrolment: a stolen credential of any
    /// kind stops working the moment the password changes. The jobs `then` makes (the e-mail
    /// telling the owner) are enqueued in the same transaction.
    ///
    /// # Errors
    /// `NotFound` when there is no such user.
    pub async fn set_password_revoking(
        &self,
        user: UserId,
        hash: &str,
        at: DateTime<Utc>,
        revoke_tokens: bool,
        then: impl FnOnce(&Revoked) -> Vec<crate::NewJob> + Send,
    ) -> Result<Revoked> {
        let mut tx = self.begin().await?;
        let n = tx
            .execute(
                sql!("credentials/set_password_hash")
                    .arg(user)
                    .arg(hash)
                    .arg(at),
            )
            .await?;
        if n == 0 {
            return Err(StorageError::NotFound);
        }
        let sessions = tx
            .execute(sql!("sessions/delete_all_of_user").arg(user))
            .await?;
        let tokens = if revoke_tokens {
            tx.execute(
                sql!("credentials/revoke_all_tokens_of_user")
                    .arg(user)
                    .arg(at),
            )
            .await?
        } else {
            0
        };
        let pending_mfa = tx
            .execute(sql!("credentials/clear_pending_mfa").arg(user))
            .await?
            > 0;
        let revoked = Revoked {
            sessions,
            tokens,
            pending_mfa,
        };
        crate::jobs::enqueue_all_in(&mut tx, &then(&revoked), at).await?;
        tx.commit().await?;
        self.jobs_committed();
        Ok(revoked)
    }

    /// Records that the user proved they read mail sent to their address (first time only).
    ///
    /// # Errors
    /// On a database failure.
    pub async fn mark_email_verified(&self, user: UserId, at: DateTime<Utc>) -> Result<()> {
        let mut tx = self.begin().await?;
        tx.execute(sql!("credentials/mark_email_verified").arg(user).arg(at))
            .await?;
        tx.commit().await
    }

    /// Counts one more failed sign-in and returns the new count.
    ///
    /// # Errors
    /// `NotFound` when there is no such user.
    pub async fn record_login_failure(&self, user: UserId) -> Result<i64> {
        #[derive(sqlx::FromRow)]
        struct Count {
            failed_logins: i64,
        }
        let mut tx = self.begin().await?;
        tx.execute(sql!("credentials/count_login_failure").arg(user))
            .await?;
        let c: Count = tx
            .fetch_one(sql!("credentials/failed_logins").arg(user))
            .await?;
        tx.commit().await?;
        Ok(c.failed_logins)
    }

    /// Refuses sign-ins to the account until `until`.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn lock_user_until(&self, user: UserId, until: DateTime<Utc>) -> Result<()> {
        let mut tx = self.begin().await?;
        tx.execute(sql!("credentials/lock_until").arg(user).arg(until))
            .await?;
        tx.commit().await
    }

    /// Forgets failed sign-ins after a successful one.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn reset_login_failures(&self, user: UserId) -> Result<()> {
        let mut tx = self.begin().await?;
        tx.execute(sql!("credentials/reset_login_failures").arg(user))
            .await?;
        tx.commit().await
    }
}

//! Passwords, e-mail verification and the per-account failed sign-in counter.

use crate::Store;
use crate::args::sql;
use crate::error::{Result, StorageError};
use chrono::{DateTime, Utc};
use flowsense_core::UserId;

impl Store {
    /// Replaces a user's password hash (a PHC string) and clears their failed sign-ins.
    ///
    /// # Errors
    /// `NotFound` when there is no such user.
    pub async fn set_password_hash(
        &self,
        user: UserId,
        hash: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
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
        tx.commit().await
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

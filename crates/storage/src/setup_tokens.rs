//! The one-time setup token that creates the first account of a self-hosted instance with no
//! users. Only its SHA-256 is stored; it works once, before it expires, and only while the
//! instance has no user.

use crate::Store;
use crate::args::sql;
use crate::error::{Result, StorageError};
use crate::users::{NewUser, User, UserRow, normalise_email};
use chrono::{DateTime, Utc};
use flowsense_core::UserId;

impl Store {
    /// Stores a new setup token (its hash), replacing any unused one, when the instance has no
    /// user; `false` (and nothing stored) when it has one.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn create_setup_token(
        &self,
        token_hash: &[u8],
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let (users,): (i64,) = tx.fetch_one(sql!("users/count")).await?;
        if users > 0 {
            return Ok(false);
        }
        tx.execute(sql!("setup_tokens/delete_unused")).await?;
        tx.execute(
            sql!("setup_tokens/insert")
                .arg(token_hash.to_vec())
                .arg(now)
                .arg(expires_at),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Uses the setup token whose hash is `token_hash` to create the first user, their address
    /// confirmed, in one transaction: the token is marked used (by them) and works no more.
    ///
    /// # Errors
    /// `NotFound` when no unused, unexpired token has that hash or the instance already has a
    /// user; `Conflict` when the address is taken; a database failure.
    pub async fn create_first_user_with_setup_token(
        &self,
        token_hash: &[u8],
        now: DateTime<Utc>,
        new: &NewUser,
    ) -> Result<User> {
        let mut tx = self.begin().await?;
        let taken = tx
            .execute(sql!("setup_tokens/take").arg(token_hash.to_vec()).arg(now))
            .await?;
        if taken == 0 {
            return Err(StorageError::NotFound);
        }
        let (users,): (i64,) = tx.fetch_one(sql!("users/count")).await?;
        if users > 0 {
            return Err(StorageError::NotFound);
        }
        let id = UserId::new();
        tx.execute(
            sql!("users/create")
                .arg(id)
                .arg(normalise_email(&new.email))
                .arg(new.display_name.as_str())
                .arg(new.password_hash.as_str())
                .arg(now),
        )
        .await?;
        tx.execute(sql!("credentials/mark_email_verified").arg(id).arg(now))
            .await?;
        tx.execute(
            sql!("setup_tokens/set_used_by")
                .arg(token_hash.to_vec())
                .arg(id),
        )
        .await?;
        let user: UserRow = tx.fetch_one(sql!("users/by_id").arg(id)).await?;
        tx.commit().await?;
        Ok(user.into())
    }
}

//! TOTP secrets: sealed with the instance data key (a user belongs to no one organisation),
//! bound to the user's row.

use crate::Store;
use crate::args::sql;
use crate::crypto::{FieldRef, KeyScope};
use crate::error::{Result, StorageError};
use chrono::Utc;
use flowsense_core::UserId;
use secrecy::SecretSlice;

const TABLE: &str = "users";
const COLUMN: &str = "mfa_secret_enc";

#[derive(sqlx::FromRow)]
struct SecretRow {
    mfa_secret_enc: Option<Vec<u8>>,
}

impl Store {
    /// Seals and stores a user's TOTP secret (raw bytes), replacing any previous one.
    ///
    /// # Errors
    /// `NotFound` when the user does not exist.
    pub async fn set_mfa_secret(&self, user: UserId, secret: &[u8]) -> Result<()> {
        let row = user.to_string();
        let mut tx = self.begin().await?;
        let sealed = self
            .seal_in(
                &mut tx,
                KeyScope::Instance,
                &FieldRef::new(TABLE, COLUMN, &row),
                secret,
            )
            .await?;
        let n = tx
            .execute(sql!("mfa_secret/set").arg(sealed).arg(Utc::now()).arg(user))
            .await?;
        if n == 0 {
            return Err(StorageError::NotFound);
        }
        tx.commit().await
    }

    /// A user's decrypted TOTP secret; `None` when none is set.
    ///
    /// # Errors
    /// `NotFound` when the user does not exist; `Crypto(..)` when it does not decrypt.
    pub async fn mfa_secret(&self, user: UserId) -> Result<Option<SecretSlice<u8>>> {
        let row_id = user.to_string();
        let mut tx = self.begin_read().await?;
        let row: SecretRow = tx.fetch_one(sql!("mfa_secret/get").arg(user)).await?;
        let Some(sealed) = row.mfa_secret_enc else {
            return Ok(None);
        };
        let plain = self
            .open_in(
                &mut tx,
                KeyScope::Instance,
                &FieldRef::new(TABLE, COLUMN, &row_id),
                &sealed,
            )
            .await?;
        tx.commit().await?;
        Ok(Some(SecretSlice::from(plain.to_vec())))
    }

    /// Removes a user's TOTP secret (MFA reset).
    ///
    /// # Errors
    /// `NotFound` when the user does not exist.
    pub async fn clear_mfa_secret(&self, user: UserId) -> Result<()> {
        let mut tx = self.begin().await?;
        let n = tx
            .execute(sql!("mfa_secret/clear").arg(Utc::now()).arg(user))
            .await?;
        if n == 0 {
            return Err(StorageError::NotFound);
        }
        tx.commit().await
    }
}

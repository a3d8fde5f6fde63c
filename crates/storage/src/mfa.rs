//! TOTP second factor: the sealed secret, the last accepted time step (replay guard) and
//! single-use recovery codes (stored hashed).

use crate::Store;
use crate::args::sql;
use crate::error::{Result, StorageError};
use chrono::{DateTime, Utc};
use flowsense_core::UserId;

/// A user's second-factor state. `secret_enc` is sealed by the web layer; storage never sees
/// the secret itself.
#[derive(Clone, sqlx::FromRow)]
pub struct MfaState {
    #[sqlx(rename = "mfa_secret_enc")]
    pub secret_enc: Option<Vec<u8>>,
    #[sqlx(rename = "mfa_enabled")]
    pub enabled: bool,
    #[sqlx(rename = "mfa_last_step")]
    pub last_step: Option<i64>,
}

impl std::fmt::Debug for MfaState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MfaState")
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// The user's second-factor state.
    ///
    /// # Errors
    /// `NotFound` when there is no such user.
    pub async fn mfa_state(&self, user: UserId) -> Result<MfaState> {
        let mut tx = self.begin_read().await?;
        let s = tx.fetch_one(sql!("mfa/state").arg(user)).await?;
        tx.commit().await?;
        Ok(s)
    }

    /// Stores a sealed secret awaiting its first code. Refused while MFA is enabled.
    ///
    /// # Errors
    /// `Conflict` when MFA is already enabled.
    pub async fn store_pending_mfa_secret(&self, user: UserId, sealed: Vec<u8>) -> Result<()> {
        let mut tx = self.begin().await?;
        let n = tx
            .execute(sql!("mfa/store_pending_secret").arg(user).arg(sealed))
            .await?;
        if n == 0 {
            return Err(StorageError::Conflict("mfa already enabled"));
        }
        tx.commit().await
    }

    /// Turns MFA on and replaces the recovery codes with `recovery_hashes`.
    ///
    /// # Errors
    /// `Conflict` when there is no pending secret or MFA is already on.
    pub async fn enable_mfa(&self, user: UserId, recovery_hashes: &[Vec<u8>]) -> Result<()> {
        let mut tx = self.begin().await?;
        let n = tx.execute(sql!("mfa/enable").arg(user)).await?;
        if n == 0 {
            return Err(StorageError::Conflict("no pending mfa enrolment"));
        }
        tx.execute(sql!("mfa/delete_recovery_codes").arg(user))
            .await?;
        for h in recovery_hashes {
            tx.execute(sql!("mfa/insert_recovery_code").arg(user).arg(h.clone()))
                .await?;
        }
        tx.commit().await
    }

    /// Accepts TOTP step `step` only if it is later than every step accepted before, so a code
    /// works once. `false` means a replay.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn accept_totp_step(&self, user: UserId, step: i64) -> Result<bool> {
        let mut tx = self.begin().await?;
        let n = tx
            .execute(sql!("mfa/accept_totp_step").arg(user).arg(step))
            .await?;
        tx.commit().await?;
        Ok(n > 0)
    }

    /// Spends a recovery code; `false` when it is unknown or already used.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn use_recovery_code(
        &self,
        user: UserId,
        hash: &[u8],
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let n = tx
            .execute(
                sql!("mfa/use_recovery_code")
                    .arg(user)
                    .arg(hash.to_vec())
                    .arg(at),
            )
            .await?;
        tx.commit().await?;
        Ok(n > 0)
    }

    /// How many unused recovery codes the user has.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn recovery_codes_left(&self, user: UserId) -> Result<i64> {
        #[derive(sqlx::FromRow)]
        struct CodesLeft {
            #[sqlx(rename = "n")]
            unused_codes: i64,
        }
        let mut tx = self.begin_read().await?;
        let left: CodesLeft = tx
            .fetch_one(sql!("mfa/recovery_codes_left").arg(user))
            .await?;
        tx.commit().await?;
        Ok(left.unused_codes)
    }

    /// Turns MFA off: forgets the secret, the replay guard and the recovery codes.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn disable_mfa(&self, user: UserId) -> Result<()> {
        let mut tx = self.begin().await?;
        tx.execute(sql!("mfa/disable").arg(user)).await?;
        tx.execute(sql!("mfa/delete_recovery_codes").arg(user))
            .await?;
        tx.commit().await
    }
}

//! TOTP second factor: the sealed secret, the last accepted time step (replay guard) and
//! single-use recovery codes (stored hashed).

use crate::Store;
use crate::args::Sql;
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
        let mut tx = self.begin().await?;
        let s = tx
            .fetch_one(
                Sql::new(
                    "SELECT mfa_secret_enc, mfa_enabled, mfa_last_step FROM users WHERE id = $1",
                )
                .arg(user),
            )
            .await?;
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
            .execute(
                Sql::new(
                    "UPDATE users SET mfa_secret_enc = $2, mfa_last_step = NULL \
                     WHERE id = $1 AND mfa_enabled = FALSE",
                )
                .arg(user)
                .arg(sealed),
            )
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
        let n = tx
            .execute(
                Sql::new(
                    "UPDATE users SET mfa_enabled = TRUE WHERE id = $1 \
                     AND mfa_enabled = FALSE AND mfa_secret_enc IS NOT NULL",
                )
                .arg(user),
            )
            .await?;
        if n == 0 {
            return Err(StorageError::Conflict("no pending mfa enrolment"));
        }
        tx.execute(Sql::new("DELETE FROM recovery_codes WHERE user_id = $1").arg(user))
            .await?;
        for h in recovery_hashes {
            tx.execute(
                Sql::new("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
                    .arg(user)
                    .arg(h.clone()),
            )
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
            .execute(
                Sql::new(
                    "UPDATE users SET mfa_last_step = $2 WHERE id = $1 \
                     AND (mfa_last_step IS NULL OR mfa_last_step < $2)",
                )
                .arg(user)
                .arg(step),
            )
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
                Sql::new(
                    "UPDATE recovery_codes SET used_at = $3 \
                     WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
                )
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
        struct N {
            n: i64,
        }
        let mut tx = self.begin().await?;
        let r: N = tx
            .fetch_one(
                Sql::new(
                    "SELECT COUNT(*) AS n FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
                )
                .arg(user),
            )
            .await?;
        tx.commit().await?;
        Ok(r.n)
    }

    /// Turns MFA off: forgets the secret, the replay guard and the recovery codes.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn disable_mfa(&self, user: UserId) -> Result<()> {
        let mut tx = self.begin().await?;
        tx.execute(
            Sql::new(
                "UPDATE users SET mfa_enabled = FALSE, mfa_secret_enc = NULL, mfa_last_step = NULL \
                 WHERE id = $1",
            )
            .arg(user),
        )
        .await?;
        tx.execute(Sql::new("DELETE FROM recovery_codes WHERE user_id = $1").arg(user))
            .await?;
        tx.commit().await
    }
}

//! Passkeys (WebAuthn credentials) and the server-side state of ceremonies in flight.
//!
//! A passkey row keeps the verifier's own record of the credential (`passkey`, JSON with the
//! public key and signature counter: nothing secret) and, beside it, what the last ceremony
//! reported (counter, backup flags, when). A ceremony is keyed by the SHA-256 of a random
//! handle, taken once (reading deletes it) and refused after its expiry.

use crate::Store;
use crate::args::sql;
use crate::error::{Result, StorageError};
use chrono::{DateTime, Utc};
use flowsense_core::UserId;
use uuid::Uuid;

/// A registered passkey.
#[derive(Clone, sqlx::FromRow)]
pub struct StoredPasskey {
    pub id: Uuid,
    #[sqlx(rename = "user_id")]
    pub user_uuid: Uuid,
    pub credential_id: Vec<u8>,
    pub name: String,
    /// The verifier's record of the credential, as JSON.
    pub passkey: String,
    pub sign_count: i64,
    pub backup_eligible: bool,
    pub backup_state: bool,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl StoredPasskey {
    #[must_use]
    pub fn user(&self) -> UserId {
        UserId(self.user_uuid)
    }
}

impl std::fmt::Debug for StoredPasskey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredPasskey")
            .field("id", &self.id)
            .field("user", &self.user_uuid)
            .field("sign_count", &self.sign_count)
            .finish_non_exhaustive()
    }
}

/// A passkey to store after a registration ceremony.
#[derive(Debug, Clone)]
pub struct NewPasskey {
    pub id: Uuid,
    pub user: UserId,
    pub credential_id: Vec<u8>,
    pub name: String,
    pub passkey: String,
    pub sign_count: i64,
    pub backup_eligible: bool,
    pub backup_state: bool,
    pub created_at: DateTime<Utc>,
}

/// What a successful authentication changed on a passkey.
#[derive(Debug, Clone)]
pub struct PasskeyUse {
    pub passkey: String,
    pub sign_count: i64,
    pub backup_eligible: bool,
    pub backup_state: bool,
    pub at: DateTime<Utc>,
}

/// A ceremony to remember until the browser answers.
#[derive(Debug, Clone)]
pub struct NewCeremony {
    /// SHA-256 of the handle given to the browser.
    pub id_hash: Vec<u8>,
    /// `register`, `sign_in`, `second_factor` or `step_up`.
    pub purpose: &'static str,
    pub user: Option<UserId>,
    /// SHA-256 of the session token that started it (none for a sign-in).
    pub session_hash: Option<Vec<u8>>,
    /// The verifier's state, as JSON.
    pub state: String,
    /// The name a registration will give the passkey.
    pub name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A ceremony taken back.
#[derive(Clone, sqlx::FromRow)]
pub struct Ceremony {
    pub purpose: String,
    #[sqlx(rename = "user_id")]
    pub user_uuid: Option<Uuid>,
    pub session_hash: Option<Vec<u8>>,
    pub state: String,
    pub name: Option<String>,
    pub expires_at: DateTime<Utc>,
}

impl Ceremony {
    #[must_use]
    pub fn user(&self) -> Option<UserId> {
        self.user_uuid.map(UserId)
    }
}

impl std::fmt::Debug for Ceremony {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ceremony")
            .field("purpose", &self.purpose)
            .field("user", &self.user_uuid)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

#[derive(sqlx::FromRow)]
struct Count {
    n: i64,
}

impl Store {
    /// Stores a newly registered passkey.
    ///
    /// # Errors
    /// `Conflict` when the credential is already registered (to anyone).
    pub async fn insert_passkey(&self, new: &NewPasskey) -> Result<()> {
        let mut tx = self.begin().await?;
        tx.execute(
            sql!("passkeys/insert")
                .arg(new.id)
                .arg(new.user)
                .arg(new.credential_id.clone())
                .arg(new.name.as_str())
                .arg(new.passkey.as_str())
                .arg(new.sign_count)
                .arg(new.backup_eligible)
                .arg(new.backup_state)
                .arg(new.created_at),
        )
        .await?;
        tx.commit().await
    }

    /// The user's passkeys, oldest first.
    ///
    /// # Errors
    /// A database failure.
    pub async fn passkeys_of_user(&self, user: UserId) -> Result<Vec<StoredPasskey>> {
        let mut tx = self.begin_read().await?;
        let rows = tx.fetch_all(sql!("passkeys/of_user").arg(user)).await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// How many passkeys the user has.
    ///
    /// # Errors
    /// A database failure.
    pub async fn passkey_count(&self, user: UserId) -> Result<i64> {
        let mut tx = self.begin_read().await?;
        let c: Count = tx
            .fetch_one(sql!("passkeys/count_of_user").arg(user))
            .await?;
        tx.commit().await?;
        Ok(c.n)
    }

    /// The passkey with this credential id, whoever it belongs to.
    ///
    /// # Errors
    /// A database failure.
    pub async fn passkey_by_credential(
        &self,
        credential_id: &[u8],
    ) -> Result<Option<StoredPasskey>> {
        let mut tx = self.begin_read().await?;
        let row = tx
            .fetch_optional(sql!("passkeys/by_credential").arg(credential_id.to_vec()))
            .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Records a use of the user's passkey `id`, only if its signature counter moved forward
    /// (or the authenticator keeps none, and it stays 0): `false` means it did not, so a
    /// cloned authenticator's assertion, or the same one twice at once, changes nothing.
    ///
    /// # Errors
    /// A database failure.
    pub async fn record_passkey_use(
        &self,
        user: UserId,
        id: Uuid,
        used: &PasskeyUse,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let n = tx
            .execute(
                sql!("passkeys/record_use")
                    .arg(id)
                    .arg(user)
                    .arg(used.passkey.as_str())
                    .arg(used.sign_count)
                    .arg(used.backup_eligible)
                    .arg(used.backup_state)
                    .arg(used.at),
            )
            .await?;
        tx.commit().await?;
        Ok(n > 0)
    }

    /// Deletes the user's passkey `id`; `false` when the user has no such passkey.
    ///
    /// # Errors
    /// A database failure.
    pub async fn delete_passkey(&self, user: UserId, id: Uuid) -> Result<bool> {
        let mut tx = self.begin().await?;
        let n = tx
            .execute(sql!("passkeys/delete_of_user").arg(id).arg(user))
            .await?;
        tx.commit().await?;
        Ok(n > 0)
    }

    /// Removes the user's password: from now on they sign in with a passkey only.
    ///
    /// # Errors
    /// A database failure.
    pub async fn clear_password(&self, user: UserId, now: DateTime<Utc>) -> Result<()> {
        let mut tx = self.begin().await?;
        let n = tx
            .execute(sql!("passkeys/clear_password").arg(user).arg(now))
            .await?;
        if n == 0 {
            return Err(StorageError::NotFound);
        }
        tx.commit().await
    }

    /// Remembers a ceremony in flight.
    ///
    /// # Errors
    /// A database failure.
    pub async fn create_webauthn_ceremony(&self, new: &NewCeremony) -> Result<()> {
        let mut tx = self.begin().await?;
        tx.execute(
            sql!("passkeys/create_ceremony")
                .arg(new.id_hash.clone())
                .arg(new.purpose)
                .arg(new.user.map(|u| u.0))
                .arg(new.session_hash.clone())
                .arg(new.state.as_str())
                .arg(new.name.clone())
                .arg(new.created_at)
                .arg(new.expires_at),
        )
        .await?;
        tx.commit().await
    }

    /// Takes the ceremony whose handle hashes to `id_hash`: deleted whatever happens next, so
    /// it works once. `None` when there is none or it expired by `now`.
    ///
    /// # Errors
    /// A database failure.
    pub async fn take_webauthn_ceremony(
        &self,
        id_hash: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Option<Ceremony>> {
        let mut tx = self.begin().await?;
        let row: Option<Ceremony> = tx
            .fetch_optional(sql!("passkeys/take_ceremony").arg(id_hash.to_vec()))
            .await?;
        tx.commit().await?;
        Ok(row.filter(|c| c.expires_at > now))
    }

    /// Deletes ceremonies that expired before `now` (the hourly clean-up).
    ///
    /// # Errors
    /// A database failure.
    pub async fn delete_expired_webauthn_ceremonies(&self, now: DateTime<Utc>) -> Result<u64> {
        let mut tx = self.begin().await?;
        let n = tx
            .execute(sql!("cleanup/expired_webauthn_ceremonies").arg(now))
            .await?;
        tx.commit().await?;
        Ok(n)
    }
}

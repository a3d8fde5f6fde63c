//! Token rotation that two workers can race without losing the connection.
//!
//! QuickBooks (and Xero) rotate the refresh token on every refresh: the old one stops working
//! once the new one is issued. So only one refresh may run per connection at a time (a lease:
//! [`Store::lease_token_refresh`], granted only while the token version is the one the caller
//! read), and its result is saved only if nobody saved another in between
//! ([`Store::save_rotated_tokens`], compare-and-swap on the version). A worker that loses the
//! race waits for the lease holder and re-reads the tokens it saved.

use crate::Store;
use crate::args::sql;
use crate::connections::ConnectionTokens;
use crate::crypto::{FieldRef, KeyScope};
use crate::error::{Result, StorageError};
use crate::scope::Reads;
use chrono::{DateTime, Utc};
use flowsense_core::OrgId;
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

/// The same table and columns `connections.rs` seals the tokens under (the seal is bound to them).
const TABLE: &str = "connections";
const ACCESS: &str = "access_token_enc";
const REFRESH: &str = "refresh_token_enc";

/// A connection's tokens with the version a rotation must compare against.
#[derive(Debug)]
pub struct SyncTokens {
    /// `None` when none were saved (or they were cleared on disconnect).
    pub tokens: Option<ConnectionTokens>,
    /// Moves on with every rotation saved through [`Store::save_rotated_tokens`].
    pub version: i64,
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    access_token_enc: Option<Vec<u8>>,
    refresh_token_enc: Option<Vec<u8>>,
    token_expires_at: Option<DateTime<Utc>>,
    token_version: i64,
}

fn utf8(bytes: &[u8]) -> Result<SecretString> {
    std::str::from_utf8(bytes)
        .map(|s| SecretString::from(s.to_owned()))
        .map_err(|_| StorageError::Corrupt("a decrypted token is not UTF-8".into()))
}

impl Store {
    async fn open_token(
        &self,
        tx: &mut impl Reads,
        org: OrgId,
        row: &str,
        column: &str,
        sealed: &[u8],
    ) -> Result<SecretString> {
        let plain = self
            .open_in(
                tx,
                KeyScope::Org(org),
                &FieldRef::new(TABLE, column, row),
                sealed,
            )
            .await?;
        utf8(&plain)
    }

    /// A connection's decrypted tokens and their version.
    ///
    /// # Errors
    /// `NotFound` when the organisation has no such connection; `Crypto(..)` when a stored
    /// token does not decrypt.
    pub async fn sync_tokens(&self, org: OrgId, connection: Uuid) -> Result<SyncTokens> {
        let row_id = connection.to_string();
        let mut tx = self.scoped_read(org).await?;
        let row: TokenRow = tx
            .fetch_one(sql!("synced/token_state").arg(connection).arg(org))
            .await?;
        let tokens = match (row.access_token_enc, row.refresh_token_enc) {
            (Some(access), Some(refresh)) => Some(ConnectionTokens {
                access: self
                    .open_token(&mut tx, org, &row_id, ACCESS, &access)
                    .await?,
                refresh: self
                    .open_token(&mut tx, org, &row_id, REFRESH, &refresh)
                    .await?,
                expires_at: row.token_expires_at,
            }),
            _ => None,
        };
        tx.commit().await?;
        Ok(SyncTokens {
            tokens,
            version: row.token_version,
        })
    }

    /// Takes the connection's refresh lease for `owner` until `until`, if the token version is
    /// still `version` and no other lease is in force at `now`. True when taken.
    ///
    /// # Errors
    /// A database failure.
    pub async fn lease_token_refresh(
        &self,
        org: OrgId,
        connection: Uuid,
        version: i64,
        owner: &str,
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.scoped(org).await?;
        let n = tx
            .execute(
                sql!("synced/lease_token_refresh")
                    .arg(owner)
                    .arg(until)
                    .arg(connection)
                    .arg(org)
                    .arg(version)
                    .arg(now),
            )
            .await?;
        tx.commit().await?;
        Ok(n == 1)
    }

    /// Seals and saves rotated tokens (with the new refresh token's expiry when the provider
    /// said), if the version is still `version` and `owner` still holds the refresh lease; the
    /// version moves on and the lease ends. True when saved.
    ///
    /// # Errors
    /// A database or sealing failure (nothing is saved).
    pub async fn save_rotated_tokens(
        &self,
        org: OrgId,
        connection: Uuid,
        version: i64,
        owner: &str,
        tokens: &ConnectionTokens,
        refresh_expires_at: Option<DateTime<Utc>>,
    ) -> Result<bool> {
        let row = connection.to_string();
        let scope = KeyScope::Org(org);
        let mut tx = self.scoped(org).await?;
        // A write first: on SQLite it takes the write lock (waiting its turn) before sealing
        // reads the key, so a commit elsewhere in between cannot fail the save — losing a
        // rotated refresh token would kill the connection.
        let holder = tx
            .execute(
                sql!("synced/hold_token_lease")
                    .arg(connection)
                    .arg(org)
                    .arg(version)
                    .arg(owner),
            )
            .await?;
        if holder == 0 {
            return Ok(false);
        }
        let access = self
            .seal_in(
                &mut tx,
                scope,
                &FieldRef::new(TABLE, ACCESS, &row),
                tokens.access.expose_secret().as_bytes(),
            )
            .await?;
        let refresh = self
            .seal_in(
                &mut tx,
                scope,
                &FieldRef::new(TABLE, REFRESH, &row),
                tokens.refresh.expose_secret().as_bytes(),
            )
            .await?;
        let n = tx
            .execute(
                sql!("synced/save_rotated_tokens")
                    .arg(access)
                    .arg(refresh)
                    .arg(tokens.expires_at)
                    .arg(connection)
                    .arg(org)
                    .arg(version)
                    .arg(owner)
                    .arg(refresh_expires_at),
            )
            .await?;
        tx.commit().await?;
        Ok(n == 1)
    }

    /// Gives up `owner`'s refresh lease (a refresh that failed), so another may try at once.
    ///
    /// # Errors
    /// A database failure.
    pub async fn release_token_refresh(
        &self,
        org: OrgId,
        connection: Uuid,
        owner: &str,
    ) -> Result<()> {
        let mut tx = self.scoped(org).await?;
        tx.execute(
            sql!("synced/release_token_refresh")
                .arg(connection)
                .arg(org)
                .arg(owner),
        )
        .await?;
        tx.commit().await
    }
}

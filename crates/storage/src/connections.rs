//! Accounting connections (QuickBooks, Xero) and their OAuth tokens, stored only sealed with the
//! organisation's data key and bound to the connection row and column.

use crate::Store;
use crate::args::sql;
use crate::crypto::{FieldRef, KeyScope};
use crate::error::{Result, StorageError};
use chrono::{DateTime, Utc};
use flowsense_core::OrgId;
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

const TABLE: &str = "connections";
const ACCESS: &str = "access_token_enc";
const REFRESH: &str = "refresh_token_enc";

/// A connection's OAuth tokens, decrypted. `Debug` shows neither token.
#[derive(Debug)]
pub struct ConnectionTokens {
    pub access: SecretString,
    pub refresh: SecretString,
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    access_token_enc: Option<Vec<u8>>,
    refresh_token_enc: Option<Vec<u8>>,
    token_expires_at: Option<DateTime<Utc>>,
}

fn utf8(bytes: &[u8]) -> Result<SecretString> {
    std::str::from_utf8(bytes)
        .map(|s| SecretString::from(s.to_owned()))
        .map_err(|_| StorageError::Corrupt("a decrypted token is not UTF-8".into()))
}

impl Store {
    /// Records a new connection (status `pending`, no tokens yet) and returns its id.
    ///
    /// # Errors
    /// `Conflict` when the organisation already connected that provider tenant.
    pub async fn create_connection(
        &self,
        org: OrgId,
        provider: &str,
        tenant_id: &str,
    ) -> Result<Uuid> {
        let id = Uuid::new_v4();
        let mut tx = self.scoped(org).await?;
        tx.execute(
            sql!("connections/create")
                .arg(id)
                .arg(org)
                .arg(provider)
                .arg(tenant_id)
                .arg(Utc::now()),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Seals and stores a connection's OAuth tokens (replacing any previous ones) in one
    /// transaction.
    ///
    /// # Errors
    /// `NotFound` when the organisation has no such connection.
    pub async fn save_connection_tokens(
        &self,
        org: OrgId,
        connection: Uuid,
        access: &SecretString,
        refresh: &SecretString,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        let row = connection.to_string();
        let scope = KeyScope::Org(org);
        let mut tx = self.scoped(org).await?;
        let access_enc = self
            .seal_in(
                &mut tx,
                scope,
                &FieldRef::new(TABLE, ACCESS, &row),
                access.expose_secret().as_bytes(),
            )
            .await?;
        let refresh_enc = self
            .seal_in(
                &mut tx,
                scope,
                &FieldRef::new(TABLE, REFRESH, &row),
                refresh.expose_secret().as_bytes(),
            )
            .await?;
        let n = tx
            .execute(
                sql!("connections/save_tokens")
                    .arg(access_enc)
                    .arg(refresh_enc)
                    .arg(expires_at)
                    .arg(connection)
                    .arg(org),
            )
            .await?;
        if n == 0 {
            return Err(StorageError::NotFound);
        }
        tx.commit().await
    }

    /// A connection's decrypted tokens; `None` when none were saved (or they were cleared).
    ///
    /// # Errors
    /// `NotFound` when the organisation has no such connection; `Crypto(..)` when a stored token
    /// does not decrypt.
    pub async fn connection_tokens(
        &self,
        org: OrgId,
        connection: Uuid,
    ) -> Result<Option<ConnectionTokens>> {
        let row_id = connection.to_string();
        let scope = KeyScope::Org(org);
        let mut tx = self.scoped(org).await?;
        let row: TokenRow = tx
            .fetch_one(sql!("connections/tokens").arg(connection).arg(org))
            .await?;
        let (Some(access), Some(refresh)) = (row.access_token_enc, row.refresh_token_enc) else {
            return Ok(None);
        };
        let access = self
            .open_in(
                &mut tx,
                scope,
                &FieldRef::new(TABLE, ACCESS, &row_id),
                &access,
            )
            .await?;
        let refresh = self
            .open_in(
                &mut tx,
                scope,
                &FieldRef::new(TABLE, REFRESH, &row_id),
                &refresh,
            )
            .await?;
        tx.commit().await?;
        Ok(Some(ConnectionTokens {
            access: utf8(&access)?,
            refresh: utf8(&refresh)?,
            expires_at: row.token_expires_at,
        }))
    }

    /// Deletes a connection's tokens (on disconnect), keeping the connection row.
    ///
    /// # Errors
    /// `NotFound` when the organisation has no such connection.
    pub async fn clear_connection_tokens(&self, org: OrgId, connection: Uuid) -> Result<()> {
        let mut tx = self.scoped(org).await?;
        let n = tx
            .execute(sql!("connections/clear_tokens").arg(connection).arg(org))
            .await?;
        if n == 0 {
            return Err(StorageError::NotFound);
        }
        tx.commit().await
    }
}

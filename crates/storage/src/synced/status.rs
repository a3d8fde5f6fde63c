//! A connection's sync state: cursor, outcome of the last sync, when the next is due, and the
//! end of a connection that only reconnecting can revive.

use super::{external_prefix, short};
use crate::Store;
use crate::args::sql;
use crate::error::{Result, StorageError};
use chrono::{DateTime, Utc};
use flowsense_core::OrgId;
use serde::Serialize;
use uuid::Uuid;

/// Where a connection's sync stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SyncState {
    /// `quickbooks` or `xero`.
    pub provider: String,
    /// The provider's company (QuickBooks realm, Xero tenant).
    pub tenant_id: String,
    /// `pending`, `active`, `dead` or `disconnected`.
    pub status: String,
    /// The provider's own resume point, as its sync source wrote it.
    #[sqlx(rename = "sync_cursor")]
    pub cursor: Option<String>,
    pub last_synced_at: Option<DateTime<Utc>>,
    /// Why the last sync failed, or why the connection is dead (never a secret).
    pub last_error: Option<String>,
    /// Rows the last finished sync wrote or removed.
    pub synced_rows: i64,
    pub next_sync_at: Option<DateTime<Utc>>,
    pub token_version: i64,
}

/// One synced money account with what the store holds for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncedAccountTotal {
    /// The provider's id of the account.
    pub provider_account_id: String,
    pub name: String,
    pub transactions: i64,
    /// Sum of the provider's own amounts (in the account's currency).
    pub original_minor: i64,
    /// Sum in the organisation's base currency.
    pub amount_minor: i64,
}

#[derive(sqlx::FromRow)]
struct TotalRow {
    external_id: String,
    name: String,
    transactions: i64,
    original_minor: i64,
    amount_minor: i64,
}

impl Store {
    /// A connection's sync state.
    ///
    /// # Errors
    /// `NotFound` when the organisation has no such connection.
    pub async fn sync_state(&self, org: OrgId, connection: Uuid) -> Result<SyncState> {
        let mut tx = self.scoped_read(org).await?;
        let state = tx
            .fetch_one(sql!("synced/state").arg(connection).arg(org))
            .await?;
        tx.commit().await?;
        Ok(state)
    }

    /// Ends a connection that only reconnecting can revive (consent revoked, refresh token
    /// expired): status `dead`, with a short `reason` (no secrets). False when it was not
    /// pending or active.
    ///
    /// # Errors
    /// A database failure.
    pub async fn mark_connection_dead(
        &self,
        org: OrgId,
        connection: Uuid,
        reason: &str,
    ) -> Result<bool> {
        let mut tx = self.scoped(org).await?;
        let n = tx
            .execute(
                sql!("synced/mark_dead")
                    .arg(short(reason))
                    .arg(connection)
                    .arg(org),
            )
            .await?;
        tx.commit().await?;
        Ok(n == 1)
    }

    /// Records a finished sync: `rows` written or removed, when it finished and when the next is
    /// due; the connection is `active` and its last error cleared.
    ///
    /// # Errors
    /// `NotFound` when the organisation has no such pending or active connection.
    pub async fn record_sync_finished(
        &self,
        org: OrgId,
        connection: Uuid,
        rows: u64,
        at: DateTime<Utc>,
        next_at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        let mut tx = self.scoped(org).await?;
        let n = tx
            .execute(
                sql!("synced/record_finished")
                    .arg(at)
                    .arg(i64::try_from(rows).unwrap_or(i64::MAX))
                    .arg(next_at)
                    .arg(connection)
                    .arg(org),
            )
            .await?;
        if n == 0 {
            return Err(StorageError::NotFound);
        }
        tx.commit().await
    }

    /// Records a failed sync attempt: a short error text (no secrets) and when it is retried.
    ///
    /// # Errors
    /// `NotFound` when the organisation has no such connection.
    pub async fn record_sync_failed(
        &self,
        org: OrgId,
        connection: Uuid,
        error: &str,
        next_at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        let mut tx = self.scoped(org).await?;
        let n = tx
            .execute(
                sql!("synced/record_failed")
                    .arg(short(error))
                    .arg(next_at)
                    .arg(connection)
                    .arg(org),
            )
            .await?;
        if n == 0 {
            return Err(StorageError::NotFound);
        }
        tx.commit().await
    }

    /// The organisation's `active` connections, oldest first (the hourly poll syncs each).
    ///
    /// # Errors
    /// A database failure.
    pub async fn active_connections(&self, org: OrgId) -> Result<Vec<Uuid>> {
        let mut tx = self.scoped_read(org).await?;
        let rows: Vec<(Uuid,)> = tx
            .fetch_all(sql!("synced/active_connections").arg(org))
            .await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Per synced money account of a connection: its transactions, their sum in the provider's
    /// amounts and in the base currency; and the number of synced documents.
    ///
    /// # Errors
    /// `NotFound` when the organisation has no such connection.
    pub async fn synced_totals(
        &self,
        org: OrgId,
        connection: Uuid,
    ) -> Result<(Vec<SyncedAccountTotal>, i64)> {
        let state = self.sync_state(org, connection).await?;
        let prefix = external_prefix(&state.provider, &state.tenant_id);
        let mut tx = self.scoped_read(org).await?;
        let rows: Vec<TotalRow> = tx
            .fetch_all(sql!("synced/account_totals").arg(org).arg(prefix.as_str()))
            .await?;
        let (documents,): (i64,) = tx
            .fetch_one(sql!("synced/document_count").arg(org).arg(prefix.as_str()))
            .await?;
        tx.commit().await?;
        let accounts = rows
            .into_iter()
            .map(|r| SyncedAccountTotal {
                provider_account_id: r.external_id[prefix.len().min(r.external_id.len())..]
                    .to_owned(),
                name: r.name,
                transactions: r.transactions,
                original_minor: r.original_minor,
                amount_minor: r.amount_minor,
            })
            .collect();
        Ok((accounts, documents))
    }
}

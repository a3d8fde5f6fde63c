//! Accounting connections (QuickBooks, Xero) and their OAuth tokens, stored only sealed with the
//! organisation's data key and bound to the connection row and column.

use crate::Store;
use crate::args::sql;
use crate::crypto::{FieldRef, KeyScope};
use crate::error::{Result, StorageError};
use crate::jobs::{NewJob, enqueue_all_in};
use crate::scope::Tx;
use chrono::{DateTime, Utc};
use flowsense_core::{OrgId, UserId};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
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

/// A connection as its organisation sees it: never its tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Connection {
    pub id: Uuid,
    pub org_id: OrgId,
    /// `quickbooks` or `xero`.
    pub provider: String,
    /// The provider's company: QuickBooks' realm id, Xero's tenant id. Never sent to a browser
    /// (SECURITY-CHECKLIST A1), so not serialized.
    #[serde(skip_serializing)]
    pub tenant_id: String,
    pub tenant_name: Option<String>,
    /// `pending` (no tokens yet), `active`, `dead` (reconnect needed) or `disconnected`.
    pub status: String,
    pub last_synced_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// When the refresh token stops working unless used (QuickBooks' rolling window).
    pub refresh_expires_at: Option<DateTime<Utc>>,
    pub connected_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    /// Rows the last finished sync applied.
    pub synced_rows: i64,
    /// When the next scheduled sync is due (none while dead or disconnected).
    pub next_sync_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct ConnectionRow {
    id: Uuid,
    org_id: Uuid,
    provider: String,
    tenant_id: String,
    tenant_name: Option<String>,
    status: String,
    last_synced_at: Option<DateTime<Utc>>,
    last_error: Option<String>,
    refresh_expires_at: Option<DateTime<Utc>>,
    connected_by: Option<Uuid>,
    created_at: DateTime<Utc>,
    synced_rows: i64,
    next_sync_at: Option<DateTime<Utc>>,
}

impl From<ConnectionRow> for Connection {
    fn from(r: ConnectionRow) -> Self {
        Self {
            id: r.id,
            org_id: OrgId(r.org_id),
            provider: r.provider,
            tenant_id: r.tenant_id,
            tenant_name: r.tenant_name,
            status: r.status,
            last_synced_at: r.last_synced_at,
            last_error: r.last_error,
            refresh_expires_at: r.refresh_expires_at,
            connected_by: r.connected_by.map(UserId),
            created_at: r.created_at,
            synced_rows: r.synced_rows,
            next_sync_at: r.next_sync_at,
        }
    }
}

/// A grant to store: the provider company an organisation connected and its fresh tokens.
#[derive(Debug)]
pub struct NewConnection {
    pub provider: String,
    pub tenant_id: String,
    /// The company's name at the provider; `None` on a reconnect keeps the name saved before.
    pub tenant_name: Option<String>,
    pub access: SecretString,
    pub refresh: SecretString,
    pub access_expires_at: Option<DateTime<Utc>>,
    pub refresh_expires_at: Option<DateTime<Utc>>,
    pub connected_by: UserId,
    pub at: DateTime<Utc>,
}

impl Store {
    /// Saves a grant: a new connection, or (for the same organisation, provider and tenant) the
    /// existing one reactivated with the new tokens. Either way the status is `active`, the
    /// tokens are sealed with the organisation's key, and the jobs `then` makes for the
    /// connection's id are enqueued in the same transaction. Returns the connection.
    ///
    /// # Errors
    /// A database or sealing failure (nothing is stored then).
    pub async fn connect(
        &self,
        org: OrgId,
        new: &NewConnection,
        then: impl FnOnce(Uuid) -> Vec<NewJob> + Send,
    ) -> Result<Connection> {
        let mut tx = self.scoped(org).await?;
        let (id,): (Uuid,) = tx
            .fetch_one(
                sql!("connections/connect")
                    .arg(Uuid::new_v4())
                    .arg(org)
                    .arg(new.provider.as_str())
                    .arg(new.tenant_id.as_str())
                    .arg(new.tenant_name.clone())
                    .arg(new.connected_by)
                    .arg(new.at),
            )
            .await?;
        let (access, refresh) = self
            .seal_tokens(&mut tx, org, id, &new.access, &new.refresh)
            .await?;
        tx.execute(
            sql!("connections/activate")
                .arg(access)
                .arg(refresh)
                .arg(new.access_expires_at)
                .arg(new.refresh_expires_at)
                .arg(id)
                .arg(org),
        )
        .await?;
        let jobs = then(id);
        enqueue_all_in(&mut tx, &jobs, new.at).await?;
        let row: ConnectionRow = tx
            .fetch_one(sql!("connections/one").arg(org).arg(id))
            .await?;
        tx.commit().await?;
        if !jobs.is_empty() {
            self.jobs_committed();
        }
        Ok(row.into())
    }

    /// `org`'s connections, oldest first.
    ///
    /// # Errors
    /// A database failure.
    pub async fn connections(&self, org: OrgId) -> Result<Vec<Connection>> {
        let mut tx = self.scoped_read(org).await?;
        let rows: Vec<ConnectionRow> = tx.fetch_all(sql!("connections/list").arg(org)).await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(Connection::from).collect())
    }

    /// One of `org`'s connections.
    ///
    /// # Errors
    /// `NotFound` when `org` has no such connection (another organisation's id included).
    pub async fn connection(&self, org: OrgId, id: Uuid) -> Result<Connection> {
        let mut tx = self.scoped_read(org).await?;
        let row: ConnectionRow = tx
            .fetch_one(sql!("connections/one").arg(org).arg(id))
            .await?;
        tx.commit().await?;
        Ok(row.into())
    }

    /// The active connections to one provider tenant, in every organisation that connected it
    /// (a webhook names the tenant, not the organisation). Reads only.
    ///
    /// # Errors
    /// A database failure.
    pub async fn active_connections_of_tenant_across_orgs(
        &self,
        provider: &str,
        tenant_id: &str,
    ) -> Result<Vec<Connection>> {
        let mut tx = self.system_read_across_orgs().await?;
        let rows: Vec<ConnectionRow> = tx
            .fetch_all(
                sql!("connections/active_of_tenant_across_orgs")
                    .arg(provider)
                    .arg(tenant_id),
            )
            .await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(Connection::from).collect())
    }

    /// Clears a connection's tokens and marks it `disconnected` (the row and its history stay).
    ///
    /// # Errors
    /// `NotFound` when `org` has no such connection.
    pub async fn disconnect(&self, org: OrgId, id: Uuid) -> Result<()> {
        let mut tx = self.scoped(org).await?;
        let n = tx
            .execute(sql!("connections/disconnect").arg(id).arg(org))
            .await?;
        if n == 0 {
            return Err(StorageError::NotFound);
        }
        tx.commit().await
    }

    async fn seal_tokens(
        &self,
        tx: &mut Tx,
        org: OrgId,
        connection: Uuid,
        access: &SecretString,
        refresh: &SecretString,
    ) -> Result<(Vec<u8>, Vec<u8>)> {
        let row = connection.to_string();
        let scope = KeyScope::Org(org);
        let access = self
            .seal_in(
                tx,
                scope,
                &FieldRef::new(TABLE, ACCESS, &row),
                access.expose_secret().as_bytes(),
            )
            .await?;
        let refresh = self
            .seal_in(
                tx,
                scope,
                &FieldRef::new(TABLE, REFRESH, &row),
                refresh.expose_secret().as_bytes(),
            )
            .await?;
        Ok((access, refresh))
    }

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
        let mut tx = self.scoped(org).await?;
        let (access_enc, refresh_enc) = self
            .seal_tokens(&mut tx, org, connection, access, refresh)
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
        let mut tx = self.scoped_read(org).await?;
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

//! Grants waiting for an admin to choose which of the provider's organisations to connect (a
//! Xero login that reaches several). The grant's tokens and its tenant list are sealed together
//! with the organisation's key, bound to the session and admin that started the connection; a
//! grant is read by its session, taken once, and lasts as long as the OAuth state did.

use crate::Store;
use crate::args::sql;
use crate::crypto::{FieldRef, KeyScope};
use crate::error::{Result, StorageError};
use chrono::{DateTime, Utc};
use flowsense_core::{OrgId, UserId};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use zeroize::Zeroizing;

const TABLE: &str = "pending_grants";
const GRANT: &str = "grant_enc";

/// One organisation a pending grant reaches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingTenant {
    /// The provider's id of the grant's link to this organisation (Xero's connection id).
    pub link_id: String,
    /// The provider's organisation id (Xero's `tenantId`).
    pub tenant_id: String,
    pub name: String,
}

/// What a grant holds: its tokens and the organisations it reaches. `Debug` shows no token.
#[derive(Debug)]
pub struct GrantContents {
    pub access: SecretString,
    pub refresh: SecretString,
    pub access_expires_at: DateTime<Utc>,
    pub refresh_expires_at: Option<DateTime<Utc>>,
    pub tenants: Vec<PendingTenant>,
}

/// A grant to keep until the admin chooses.
#[derive(Debug)]
pub struct NewPendingGrant {
    pub id: Uuid,
    /// SHA-256 of the session token that started the connection.
    pub session_hash: Vec<u8>,
    pub org: OrgId,
    pub user: UserId,
    /// `xero`.
    pub provider: String,
    pub contents: GrantContents,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A grant read back.
#[derive(Debug)]
pub struct PendingGrant {
    pub id: Uuid,
    pub session_hash: Vec<u8>,
    pub org: OrgId,
    pub user: UserId,
    pub provider: String,
    pub contents: GrantContents,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Serialize, Deserialize)]
struct Sealed {
    access: String,
    refresh: String,
    access_expires_at: DateTime<Utc>,
    refresh_expires_at: Option<DateTime<Utc>>,
    tenants: Vec<PendingTenant>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    session_hash: Vec<u8>,
    org_id: Uuid,
    user_id: Uuid,
    provider: String,
    grant_enc: Vec<u8>,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

impl Store {
    /// Keeps a grant until the admin chooses, replacing any earlier one of the same session,
    /// organisation and provider (only the latest connect attempt counts).
    ///
    /// # Errors
    /// A database or sealing failure (nothing is stored then).
    pub async fn create_pending_grant(&self, new: &NewPendingGrant) -> Result<()> {
        let c = &new.contents;
        let plain = Zeroizing::new(
            serde_json::to_vec(&Sealed {
                access: c.access.expose_secret().to_owned(),
                refresh: c.refresh.expose_secret().to_owned(),
                access_expires_at: c.access_expires_at,
                refresh_expires_at: c.refresh_expires_at,
                tenants: c.tenants.clone(),
            })
            .map_err(|_| StorageError::Corrupt("a grant does not serialise".into()))?,
        );
        let mut tx = self.scoped(new.org).await?;
        tx.execute(
            sql!("pending_grants/replace")
                .arg(new.org)
                .arg(new.session_hash.clone())
                .arg(new.provider.as_str()),
        )
        .await?;
        let sealed = self
            .seal_in(
                &mut tx,
                KeyScope::Org(new.org),
                &FieldRef::new(TABLE, GRANT, &new.id.to_string()),
                &plain,
            )
            .await?;
        tx.execute(
            sql!("pending_grants/create")
                .arg(new.id)
                .arg(new.session_hash.clone())
                .arg(new.org)
                .arg(new.user)
                .arg(new.provider.as_str())
                .arg(sealed)
                .arg(new.created_at)
                .arg(new.expires_at),
        )
        .await?;
        tx.commit().await
    }

    /// The latest grant of this session waiting in `org` for `provider`, unexpired at `now`
    /// (it stays waiting).
    ///
    /// # Errors
    /// A database failure, or a sealed grant that does not open.
    pub async fn pending_grant(
        &self,
        org: OrgId,
        session_hash: &[u8],
        provider: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<PendingGrant>> {
        let mut tx = self.scoped_read(org).await?;
        let row: Option<Row> = tx
            .fetch_optional(
                sql!("pending_grants/newest")
                    .arg(org)
                    .arg(session_hash.to_vec())
                    .arg(provider)
                    .arg(now),
            )
            .await?;
        let grant = match row {
            Some(row) => Some(self.open_grant(&mut tx, org, row).await?),
            None => None,
        };
        tx.commit().await?;
        Ok(grant)
    }

    /// Takes grant `id` of this session in `org`: deleted whatever happens next, so it is used
    /// once. `None` when there is none or it expired by `now`.
    ///
    /// # Errors
    /// A database failure, or a sealed grant that does not open.
    pub async fn take_pending_grant(
        &self,
        org: OrgId,
        id: Uuid,
        session_hash: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Option<PendingGrant>> {
        let mut tx = self.scoped(org).await?;
        let row: Option<Row> = tx
            .fetch_optional(
                sql!("pending_grants/take")
                    .arg(org)
                    .arg(id)
                    .arg(session_hash.to_vec()),
            )
            .await?;
        let grant = match row.filter(|r| r.expires_at > now) {
            Some(row) => Some(self.open_grant(&mut tx, org, row).await?),
            None => None,
        };
        tx.commit().await?;
        Ok(grant)
    }

    /// Deletes grants that expired before `now`, for every organisation (the hourly clean-up).
    /// Returns how many went.
    ///
    /// # Errors
    /// A database failure.
    pub async fn delete_expired_pending_grants_across_orgs(
        &self,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        self.system_update(sql!("cleanup/expired_pending_grants").arg(now))
            .await
    }

    async fn open_grant(
        &self,
        tx: &mut impl crate::scope::Reads,
        org: OrgId,
        row: Row,
    ) -> Result<PendingGrant> {
        let plain = self
            .open_in(
                tx,
                KeyScope::Org(org),
                &FieldRef::new(TABLE, GRANT, &row.id.to_string()),
                &row.grant_enc,
            )
            .await?;
        let s: Sealed = serde_json::from_slice(&plain)
            .map_err(|_| StorageError::Corrupt("a pending grant does not read back".into()))?;
        Ok(PendingGrant {
            id: row.id,
            session_hash: row.session_hash,
            org: OrgId(row.org_id),
            user: UserId(row.user_id),
            provider: row.provider,
            contents: GrantContents {
                access: SecretString::from(s.access),
                refresh: SecretString::from(s.refresh),
                access_expires_at: s.access_expires_at,
                refresh_expires_at: s.refresh_expires_at,
                tenants: s.tenants,
            },
            created_at: row.created_at,
            expires_at: row.expires_at,
        })
    }
}

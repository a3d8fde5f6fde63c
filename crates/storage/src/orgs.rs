//! Organisations (tenants) and their settings.

use crate::Store;
use crate::args::sql;
use crate::crypto::KeyScope;
use crate::error::{Result, StorageError};
use chrono::{DateTime, Utc};
use flowsense_core::{Currency, OrgId};
use serde::Serialize;
use uuid::Uuid;

/// An organisation's settings (SPEC §4, §6, §7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct OrgSettings {
    pub base_currency: Currency,
    pub time_zone: String,
    pub retention_days: i64,
    pub keep_monthly_rollups: bool,
    pub ai_enabled: bool,
    pub redact_names: bool,
    pub mfa_required: bool,
    pub digests_enabled: bool,
}

impl OrgSettings {
    #[must_use]
    pub fn with_currency(base_currency: Currency) -> Self {
        Self {
            base_currency,
            time_zone: "UTC".into(),
            retention_days: 90,
            keep_monthly_rollups: true,
            ai_enabled: true,
            redact_names: false,
            mfa_required: false,
            digests_enabled: true,
        }
    }
}

/// An organisation as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Organisation {
    pub id: OrgId,
    pub slug: String,
    pub name: String,
    pub settings: OrgSettings,
    pub created_at: DateTime<Utc>,
    /// Moves on with every write to the organisation's books (see `books_changed`): computed
    /// analytics cached under one version are never served for another.
    pub books_version: i64,
}

/// What it takes to create an organisation.
#[derive(Debug, Clone)]
pub struct NewOrg {
    pub slug: String,
    pub name: String,
    pub settings: OrgSettings,
}

#[derive(sqlx::FromRow)]
pub(crate) struct OrgRow {
    id: Uuid,
    slug: String,
    name: String,
    base_currency: String,
    time_zone: String,
    retention_days: i64,
    keep_monthly_rollups: bool,
    ai_enabled: bool,
    redact_names: bool,
    mfa_required: bool,
    digests_enabled: bool,
    created_at: DateTime<Utc>,
    books_version: i64,
}

impl TryFrom<OrgRow> for Organisation {
    type Error = StorageError;
    fn try_from(r: OrgRow) -> Result<Self> {
        Ok(Organisation {
            id: OrgId(r.id),
            slug: r.slug,
            name: r.name,
            settings: OrgSettings {
                base_currency: Currency::parse(&r.base_currency)
                    .map_err(|e| StorageError::Corrupt(e.to_string()))?,
                time_zone: r.time_zone,
                retention_days: r.retention_days,
                keep_monthly_rollups: r.keep_monthly_rollups,
                ai_enabled: r.ai_enabled,
                redact_names: r.redact_names,
                mfa_required: r.mfa_required,
                digests_enabled: r.digests_enabled,
            },
            created_at: r.created_at,
            books_version: r.books_version,
        })
    }
}

impl Store {
    /// Creates an organisation and, when the store has a keyring, its first data key (in the
    /// same transaction).
    ///
    /// # Errors
    /// `Conflict(constraint::ORGANISATION_SLUG)` when the slug is taken.
    pub async fn create_org(&self, new: &NewOrg) -> Result<Organisation> {
        let id = OrgId::new();
        let now = Utc::now();
        let s = &new.settings;
        let mut tx = self.scoped(id).await?;
        tx.execute(
            sql!("orgs/create")
                .arg(id)
                .arg(new.slug.as_str())
                .arg(new.name.as_str())
                .arg(s.base_currency.as_str())
                .arg(s.time_zone.as_str())
                .arg(s.retention_days)
                .arg(s.keep_monthly_rollups)
                .arg(s.ai_enabled)
                .arg(s.redact_names)
                .arg(s.mfa_required)
                .arg(s.digests_enabled)
                .arg(now),
        )
        .await?;
        if self.crypto.is_some() {
            self.insert_data_key(&mut tx, KeyScope::Org(id), 1).await?;
        }
        tx.commit().await?;
        self.org(id).await
    }

    /// One organisation by id.
    ///
    /// # Errors
    /// `NotFound` when it does not exist.
    pub async fn org(&self, org: OrgId) -> Result<Organisation> {
        let row: OrgRow = self
            .read_optional(sql!("orgs/by_id").arg(org))
            .await?
            .ok_or(StorageError::NotFound)?;
        row.try_into()
    }

    /// Looks an organisation up by its slug (operator commands name organisations by slug).
    ///
    /// # Errors
    /// `NotFound` when no organisation has that slug.
    pub async fn org_by_slug_across_orgs(&self, slug: &str) -> Result<Organisation> {
        let mut tx = self.begin_read().await?;
        let row: OrgRow = tx.fetch_one(sql!("orgs/by_slug").arg(slug)).await?;
        tx.commit().await?;
        row.try_into()
    }

    /// Every organisation, oldest first (the server warms their analytics after start-up).
    ///
    /// # Errors
    /// A database failure.
    pub async fn orgs_across_orgs(&self) -> Result<Vec<Organisation>> {
        let mut tx = self.system_read_across_orgs().await?;
        let rows: Vec<OrgRow> = tx.fetch_all(sql!("orgs/all")).await?;
        tx.commit().await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// Renames an organisation and replaces its settings in one statement (a settings form
    /// changes both or neither).
    ///
    /// # Errors
    /// `NotFound` when the organisation does not exist.
    pub async fn update_org_name_and_settings(
        &self,
        org: OrgId,
        name: &str,
        s: &OrgSettings,
    ) -> Result<()> {
        let mut tx = self.scoped(org).await?;
        let n = tx
            .execute(
                sql!("orgs/update_name_and_settings")
                    .arg(org)
                    .arg(name)
                    .arg(s.base_currency.as_str())
                    .arg(s.time_zone.as_str())
                    .arg(s.retention_days)
                    .arg(s.keep_monthly_rollups)
                    .arg(s.ai_enabled)
                    .arg(s.redact_names)
                    .arg(s.mfa_required)
                    .arg(s.digests_enabled),
            )
            .await?;
        if n == 0 {
            return Err(StorageError::NotFound);
        }
        tx.commit().await
    }

    /// Deletes an organisation. Its data keys are destroyed first, in their own committed
    /// transaction (crypto-shredding), so a copy of its rows taken before, such as a backup, can
    /// no longer be decrypted even if the rest of the deletion fails. Then every row that belongs
    /// to it goes, by cascade.
    ///
    /// # Errors
    /// `NotFound` when the organisation does not exist.
    pub async fn delete_org(&self, org: OrgId) -> Result<()> {
        let mut tx = self.scoped(org).await?;
        let exists: Option<Id> = tx.fetch_optional(sql!("orgs/exists").arg(org)).await?;
        if exists.is_none() {
            return Err(StorageError::NotFound);
        }
        tx.execute(sql!("orgs/delete_keys").arg(org)).await?;
        tx.commit().await?;
        if let Some(crypto) = &self.crypto {
            crypto.cache.forget(KeyScope::Org(org));
        }
        let mut tx = self.scoped(org).await?;
        let n = tx.execute(sql!("orgs/delete").arg(org)).await?;
        if n == 0 {
            return Err(StorageError::NotFound);
        }
        // Last: the transactions' delete trigger read it to leave unindexed rows alone.
        tx.execute(sql!("orgs/delete_search_backlog").arg(org))
            .await?;
        tx.commit().await
    }
}

#[derive(sqlx::FromRow)]
struct Id {
    #[allow(dead_code)]
    id: Uuid,
}

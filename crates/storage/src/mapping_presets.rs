//! Column mappings saved for a bank account: chosen once (`flowsense import --map`, or the web
//! upload's preview) and reused for that account's later files.

use crate::args::sql;
use crate::error::{Result, StorageError};
use crate::scope::Tx;
use crate::{ImportTx, Store};
use chrono::{DateTime, SubsecRound, Utc};
use flowsense_core::{OrgId, UserId};
use serde::Serialize;

/// A saved mapping, with the name of the account it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct MappingPreset {
    pub account_id: i64,
    pub account_name: String,
    /// As `--map` writes it: `date=Posted,amount=Amt`.
    pub column_map: String,
    /// The date format chosen with it (`DD/MM/YYYY`), if one was.
    pub date_format: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// A mapping to save for an account.
#[derive(Debug, Clone)]
pub struct NewMappingPreset<'a> {
    pub column_map: &'a str,
    pub date_format: Option<&'a str>,
    pub updated_by: Option<UserId>,
}

impl Store {
    /// The mapping saved for one of the organisation's bank accounts, if any.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn mapping_preset(
        &self,
        org: OrgId,
        account_id: i64,
    ) -> Result<Option<MappingPreset>> {
        let mut tx = self.scoped_read(org).await?;
        let preset = tx
            .fetch_optional(sql!("mapping_presets/of_account").arg(org).arg(account_id))
            .await?;
        tx.commit().await?;
        Ok(preset)
    }

    /// The mapping saved for the organisation's bank account named `account`, if any.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn mapping_preset_named(
        &self,
        org: OrgId,
        account: &str,
    ) -> Result<Option<MappingPreset>> {
        let mut tx = self.scoped_read(org).await?;
        let preset = tx
            .fetch_optional(
                sql!("mapping_presets/of_account_named")
                    .arg(org)
                    .arg(account),
            )
            .await?;
        tx.commit().await?;
        Ok(preset)
    }

    /// Saves (or replaces) the mapping of one of the organisation's bank accounts.
    ///
    /// # Errors
    /// [`StorageError::NotFound`] when the organisation has no such account (another
    /// organisation's account included); a database failure.
    pub async fn save_mapping_preset(
        &self,
        org: OrgId,
        account_id: i64,
        preset: &NewMappingPreset<'_>,
    ) -> Result<()> {
        let mut tx = self.scoped(org).await?;
        if save_in(&mut tx, org, account_id, preset).await? == 0 {
            tx.rollback().await?;
            return Err(StorageError::NotFound);
        }
        tx.commit().await?;
        Ok(())
    }

    /// Forgets the mapping of one of the organisation's bank accounts; whether there was one.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn delete_mapping_preset(&self, org: OrgId, account_id: i64) -> Result<bool> {
        let mut tx = self.scoped(org).await?;
        let removed = tx
            .execute(sql!("mapping_presets/delete").arg(org).arg(account_id))
            .await?;
        tx.commit().await?;
        Ok(removed > 0)
    }
}

impl ImportTx {
    /// Saves the mapping the import was read with for the account named `account`, in the
    /// import's transaction (so it is kept only if the import is). `false` when the organisation
    /// has no account of that name, even after this import's rows.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn save_mapping_preset(
        &mut self,
        account: &str,
        preset: &NewMappingPreset<'_>,
    ) -> Result<bool> {
        let (org, tx) = self.org_and_tx();
        let id: Option<(i64,)> = tx
            .fetch_optional(sql!("accounts/id_by_name").arg(org).arg(account))
            .await?;
        match id {
            Some((id,)) => Ok(save_in(tx, org, id, preset).await? > 0),
            None => Ok(false),
        }
    }
}

/// Upserts the preset when the account is the organisation's; the rows written (0 or 1).
async fn save_in(
    tx: &mut Tx,
    org: OrgId,
    account_id: i64,
    preset: &NewMappingPreset<'_>,
) -> Result<u64> {
    tx.execute(
        sql!("mapping_presets/save")
            .arg(org)
            .arg(account_id)
            .arg(preset.column_map)
            .arg(preset.date_format.map(str::to_owned))
            .arg(preset.updated_by.map(|u| u.0))
            .arg(Utc::now().trunc_subsecs(6)),
    )
    .await
}

//! Data-key rotation: a new data key version for one organisation (or the instance), every
//! value re-encrypted under it and the older versions retired, in one transaction.

use super::envelope::KeyScope;
use super::keys::to_version;
use super::rotation::{InstanceKeyRotation, OrgKeyRotation};
use crate::Store;
use crate::args::Sql;
use crate::error::Result;
use crate::scope::Tx;
use chrono::Utc;
use flowsense_core::OrgId;

#[derive(sqlx::FromRow)]
struct Version {
    version: i64,
}

fn owner(scope: KeyScope) -> (&'static str, &'static str) {
    match scope {
        KeyScope::Org(_) => ("org_keys", "org_id = $1"),
        KeyScope::Instance => ("instance_keys", "1 = 1"),
    }
}

fn with_owner(scope: KeyScope, text: String) -> Sql {
    match scope {
        KeyScope::Org(org) => Sql::new(text).arg(org),
        KeyScope::Instance => Sql::new(text),
    }
}

impl Store {
    /// Creates a new data key version for `scope`, re-encrypts all its values and retires the
    /// older versions, in `tx`.
    ///
    /// Retiring comes first: it locks the live key rows, so a transaction that is sealing under
    /// one of them (and holds its row since counting the seal) commits its values before they
    /// are read for re-encryption, and a later one finds the key retired and takes the new one.
    pub(crate) async fn rotate_data_key_in(
        &self,
        tx: &mut Tx,
        scope: KeyScope,
    ) -> Result<(u32, Vec<u32>, u64)> {
        let (table, filter) = owner(scope);
        let n = if matches!(scope, KeyScope::Org(_)) {
            2
        } else {
            1
        };
        let live: Vec<Version> = tx
            .fetch_all(
                with_owner(
                    scope,
                    format!(
                        "UPDATE {table} SET retired_at = ${n} WHERE {filter} \
                         AND retired_at IS NULL RETURNING version"
                    ),
                )
                .arg(Utc::now()),
            )
            .await?;
        let all: Vec<Version> = tx
            .fetch_all(with_owner(
                scope,
                format!("SELECT version FROM {table} WHERE {filter}"),
            ))
            .await?;
        let newest = all.iter().map(|v| v.version).max().unwrap_or(0);
        let new_version = to_version(newest + 1)?;
        let new_key = self.insert_data_key(tx, scope, new_version).await?;
        let fields = self.reencrypt_all_fields(tx, scope, &new_key).await?;
        self.count_seals_on(tx, scope, new_version, fields).await?;
        let retired = live
            .iter()
            .map(|v| to_version(v.version))
            .collect::<Result<Vec<_>>>()?;
        Ok((new_version, retired, fields))
    }

    /// Rotates one organisation's data key: a new version, every encrypted field of the
    /// organisation re-encrypted under it, the old versions marked retired — one transaction.
    ///
    /// # Errors
    /// `Crypto(..)` when a stored value cannot be opened (nothing is changed then), or a
    /// database failure.
    pub async fn rotate_org_data_key(&self, org: OrgId) -> Result<OrgKeyRotation> {
        let mut tx = self.scoped(org).await?;
        let (new_version, retired_versions, fields_reencrypted) =
            self.rotate_data_key_in(&mut tx, KeyScope::Org(org)).await?;
        tx.commit().await?;
        self.crypto()?.cache.forget(KeyScope::Org(org));
        Ok(OrgKeyRotation {
            org,
            new_version,
            retired_versions,
            fields_reencrypted,
        })
    }

    /// Rotates the instance data key (TOTP secrets), as [`Store::rotate_org_data_key`].
    ///
    /// # Errors
    /// As [`Store::rotate_org_data_key`].
    pub async fn rotate_instance_data_key(&self) -> Result<InstanceKeyRotation> {
        let mut tx = self.begin().await?;
        let (new_version, retired_versions, fields_reencrypted) =
            self.rotate_data_key_in(&mut tx, KeyScope::Instance).await?;
        tx.commit().await?;
        self.crypto()?.cache.forget(KeyScope::Instance);
        Ok(InstanceKeyRotation {
            new_version,
            retired_versions,
            fields_reencrypted,
        })
    }
}

//! Key operations behind `flowsense keys status|rotate|retire` and data-key rotation. They
//! return plain result values; printing is the CLI's job.

use super::envelope::KeyScope;
use super::error::CryptoError;
use super::keys::{WrappedKeyRow, to_version, unwrap_key, wrap_key};
use crate::Store;
use crate::args::{Sql, sql};
use crate::error::Result;
use crate::scope::Tx;
use chrono::{DateTime, Utc};
use flowsense_core::OrgId;
use std::collections::BTreeMap;
use uuid::Uuid;

/// What `flowsense keys status` shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyStatus {
    /// Master key versions the keyring holds, ascending.
    pub loaded_master_versions: Vec<u32>,
    /// The version new keys are wrapped under.
    pub current_master_version: u32,
    /// How many organisation data keys each master version wraps.
    pub org_keys_by_master_version: BTreeMap<u32, u64>,
    /// How many instance data keys each master version wraps.
    pub instance_keys_by_master_version: BTreeMap<u32, u64>,
    /// Organisations in the database.
    pub organisations: u64,
    /// When the last master rotation finished.
    pub last_master_rotation: Option<DateTime<Utc>>,
}

impl KeyStatus {
    /// Keys still wrapped by a master version other than the current one.
    #[must_use]
    pub fn keys_needing_rewrap(&self) -> u64 {
        let current = self.current_master_version;
        self.org_keys_by_master_version
            .iter()
            .chain(&self.instance_keys_by_master_version)
            .filter(|(v, _)| **v != current)
            .map(|(_, n)| n)
            .sum()
    }
}

/// Progress of a master rotation, reported after each organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RotationProgress {
    pub orgs_done: u64,
    pub orgs_total: u64,
}

/// The result of `flowsense keys rotate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MasterRotation {
    /// The master version every key is now wrapped under.
    pub master_version: u32,
    pub organisations: u64,
    /// Keys re-wrapped by this run (0 when a previous run already finished the work).
    pub org_keys_rewrapped: u64,
    pub instance_keys_rewrapped: u64,
}

/// The result of rotating one organisation's data key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgKeyRotation {
    pub org: OrgId,
    pub new_version: u32,
    pub retired_versions: Vec<u32>,
    pub fields_reencrypted: u64,
}

/// The result of rotating the instance data key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceKeyRotation {
    pub new_version: u32,
    pub retired_versions: Vec<u32>,
    pub fields_reencrypted: u64,
}

#[derive(sqlx::FromRow)]
struct VersionCount {
    master_key_version: i64,
    n: i64,
}

#[derive(sqlx::FromRow)]
struct FinishedAt {
    finished_at: DateTime<Utc>,
}

fn counts(rows: Vec<VersionCount>) -> Result<BTreeMap<u32, u64>> {
    rows.into_iter()
        .map(|r| Ok((to_version(r.master_key_version)?, r.n.unsigned_abs())))
        .collect()
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
    /// Master key versions in use and how many keys each wraps.
    ///
    /// # Errors
    /// `Crypto(NoKeyring)` or a database failure.
    pub async fn key_status(&self) -> Result<KeyStatus> {
        let keyring = self.crypto()?.keyring.clone();
        let mut tx = self.system_read_across_orgs().await?;
        let org_keys = tx
            .fetch_all(sql!("keys/org_keys_by_master_version"))
            .await?;
        let instance_keys = tx
            .fetch_all(sql!("keys/instance_keys_by_master_version"))
            .await?;
        #[derive(sqlx::FromRow)]
        struct OrganisationCount {
            #[sqlx(rename = "n")]
            organisations: i64,
        }
        let orgs: OrganisationCount = tx.fetch_one(sql!("keys/count_orgs")).await?;
        let last: Option<FinishedAt> = tx.fetch_optional(sql!("keys/last_master_rotation")).await?;
        tx.commit().await?;
        Ok(KeyStatus {
            loaded_master_versions: keyring.versions(),
            current_master_version: keyring.current_version(),
            org_keys_by_master_version: counts(org_keys)?,
            instance_keys_by_master_version: counts(instance_keys)?,
            organisations: orgs.organisations.unsigned_abs(),
            last_master_rotation: last.map(|l| l.finished_at),
        })
    }

    /// Re-wraps, inside `tx`, every key of `scope` not yet under the current master version.
    async fn rewrap_in(&self, tx: &mut Tx, scope: KeyScope) -> Result<u64> {
        let keyring = &self.crypto()?.keyring;
        let current = i64::from(keyring.current_version());
        let (table, filter) = owner(scope);
        let n = if matches!(scope, KeyScope::Org(_)) {
            2
        } else {
            1
        };
        // Take the rows for writing before reading them: on SQLite this makes the transaction
        // a writer at once (a reader that writes later fails if another connection committed
        // meanwhile), and on PostgreSQL it waits for transactions sealing under these keys.
        tx.execute(
            with_owner(
                scope,
                format!(
                    "UPDATE {table} SET master_key_version = master_key_version \
                     WHERE {filter} AND master_key_version <> ${n}"
                ),
            )
            .arg(current),
        )
        .await?;
        let rows: Vec<WrappedKeyRow> = tx
            .fetch_all(
                with_owner(
                    scope,
                    format!(
                        "SELECT version, wrapped_key, master_key_version FROM {table} \
                         WHERE {filter} AND master_key_version <> ${n}"
                    ),
                )
                .arg(current),
            )
            .await?;
        for row in &rows {
            let key = unwrap_key(keyring, scope, row)?;
            let (wrapped, master) = wrap_key(keyring, scope, to_version(row.version)?, &key)?;
            tx.execute(
                with_owner(
                    scope,
                    format!(
                        "UPDATE {table} SET wrapped_key = ${n}, master_key_version = ${} \
                         WHERE {filter} AND version = ${}",
                        n + 1,
                        n + 2
                    ),
                )
                .arg(wrapped)
                .arg(i64::from(master))
                .arg(row.version),
            )
            .await?;
        }
        Ok(rows.len() as u64)
    }

    /// Re-wraps one organisation's data keys under the current master version, in one
    /// transaction. Keys already under it are skipped, so this is safe to repeat.
    ///
    /// # Errors
    /// `Crypto(MasterKeyVersionMissing)` when an old version is not loaded, or a database failure.
    pub async fn rewrap_org_keys(&self, org: OrgId) -> Result<u64> {
        let mut tx = self.scoped(org).await?;
        let n = self.rewrap_in(&mut tx, KeyScope::Org(org)).await?;
        tx.commit().await?;
        self.crypto()?.cache.forget(KeyScope::Org(org));
        Ok(n)
    }

    /// Re-wraps the instance data keys under the current master version (idempotent).
    ///
    /// # Errors
    /// As [`Store::rewrap_org_keys`].
    pub async fn rewrap_instance_keys(&self) -> Result<u64> {
        let mut tx = self.begin().await?;
        let n = self.rewrap_in(&mut tx, KeyScope::Instance).await?;
        tx.commit().await?;
        self.crypto()?.cache.forget(KeyScope::Instance);
        Ok(n)
    }

    /// `flowsense keys rotate`: re-wraps every data key under the keyring's current master
    /// version, one transaction per organisation. An interrupted run resumes where it stopped.
    ///
    /// # Errors
    /// As [`Store::rewrap_org_keys`]; the organisations done before the error stay done.
    pub async fn rotate_master_key(
        &self,
        mut progress: impl FnMut(RotationProgress),
    ) -> Result<MasterRotation> {
        let master_version = self.crypto()?.keyring.current_version();
        let instance_keys_rewrapped = self.rewrap_instance_keys().await?;
        #[derive(sqlx::FromRow)]
        struct Id {
            id: Uuid,
        }
        let mut tx = self.begin().await?;
        let orgs: Vec<Id> = tx.fetch_all(sql!("keys/all_org_ids")).await?;
        tx.commit().await?;
        let total = orgs.len() as u64;
        let mut org_keys_rewrapped = 0;
        for (done, Id { id }) in orgs.into_iter().enumerate() {
            org_keys_rewrapped += self.rewrap_org_keys(OrgId(id)).await?;
            progress(RotationProgress {
                orgs_done: done as u64 + 1,
                orgs_total: total,
            });
        }
        let mut tx = self.begin().await?;
        tx.execute(
            sql!("keys/record_master_rotation")
                .arg(i64::from(master_version))
                .arg(
                    i64::try_from(org_keys_rewrapped + instance_keys_rewrapped).unwrap_or(i64::MAX),
                )
                .arg(Utc::now()),
        )
        .await?;
        tx.commit().await?;
        Ok(MasterRotation {
            master_version,
            organisations: total,
            org_keys_rewrapped,
            instance_keys_rewrapped,
        })
    }

    /// `flowsense keys retire <version>`: checks that no stored key is wrapped by master
    /// `version` any more and records the retirement. The operator then removes it from the key
    /// file (see `Keyring::remove_version_from_file`).
    ///
    /// # Errors
    /// `Crypto(RetireCurrent)` for the current version, `Crypto(MasterKeyInUse)` while keys use it.
    pub async fn retire_master_key_version(&self, version: u32) -> Result<()> {
        if version == self.crypto()?.keyring.current_version() {
            return Err(CryptoError::RetireCurrent(version).into());
        }
        let mut tx = self.system_across_orgs().await?;
        let mut used = 0;
        for table in ["org_keys", "instance_keys"] {
            let rows: Vec<VersionCount> = tx
                .fetch_all(
                    Sql::new(format!(
                        "SELECT master_key_version, COUNT(*) AS n FROM {table} \
                         WHERE master_key_version = $1 GROUP BY master_key_version"
                    ))
                    .arg(i64::from(version)),
                )
                .await?;
            used += rows.iter().map(|r| r.n.unsigned_abs()).sum::<u64>();
        }
        if used > 0 {
            return Err(CryptoError::MasterKeyInUse {
                version,
                keys: used,
            }
            .into());
        }
        tx.execute(
            sql!("keys/record_master_retirement")
                .arg(i64::from(version))
                .arg(Utc::now()),
        )
        .await?;
        tx.commit().await
    }
}

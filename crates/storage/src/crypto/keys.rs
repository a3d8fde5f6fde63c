//! Data keys as stored (wrapped by a master key) and as used (unwrapped, cached in memory).

use super::envelope::{DataKey, KEY_LEN, KeyScope, wrap_aad};
use super::error::CryptoError;
use super::keyring::Keyring;
use crate::Store;
use crate::args::{Sql, sql};
use crate::error::{Result, StorageError};
use crate::scope::{Reads, Tx};
use chrono::Utc;
use flowsense_core::OrgId;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use uuid::Uuid;
use zeroize::Zeroizing;

/// Unwrapped data keys, remembered by exactly what was unwrapped (owner, versions and wrapped
/// bytes), so a re-wrapped, rotated or rolled-back key can never be served stale.
#[derive(Default)]
pub(crate) struct KeyCache {
    entries: RwLock<HashMap<CacheKey, Arc<DataKey>>>,
}

#[derive(Hash, PartialEq, Eq)]
struct CacheKey {
    scope: KeyScope,
    version: u32,
    master_version: u32,
    wrapped: Vec<u8>,
}

impl KeyCache {
    fn get(&self, key: &CacheKey) -> Option<Arc<DataKey>> {
        self.entries.read().ok()?.get(key).cloned()
    }

    fn put(&self, key: CacheKey, value: Arc<DataKey>) {
        if let Ok(mut map) = self.entries.write() {
            map.insert(key, value);
        }
    }

    /// Drops every key of one owner (after deletion or rotation).
    pub(crate) fn forget(&self, scope: KeyScope) {
        if let Ok(mut map) = self.entries.write() {
            map.retain(|k, _| k.scope != scope);
        }
    }
}

/// A keyring and the keys it unwrapped.
pub(crate) struct Crypto {
    pub(crate) keyring: Keyring,
    pub(crate) cache: KeyCache,
    /// Seals one data key may make before it is rotated.
    pub(crate) seals_per_key: u64,
}

/// The current data key row of an owner, with its seal count after an increment.
#[derive(sqlx::FromRow)]
struct CountedKeyRow {
    version: i64,
    wrapped_key: Vec<u8>,
    master_key_version: i64,
    seals: i64,
}

/// How often sealing retries when a concurrent rotation retired the key it was about to use.
const SEAL_ATTEMPTS: usize = 4;

/// One wrapped data key row.
#[derive(sqlx::FromRow)]
pub(crate) struct WrappedKeyRow {
    pub(crate) version: i64,
    pub(crate) wrapped_key: Vec<u8>,
    pub(crate) master_key_version: i64,
}

pub(crate) fn to_version(v: i64) -> Result<u32> {
    u32::try_from(v).map_err(|_| StorageError::Corrupt("key version out of range".into()))
}

/// Wraps `key` for `scope` under the keyring's current master version.
pub(crate) fn wrap_key(
    keyring: &Keyring,
    scope: KeyScope,
    version: u32,
    key: &[u8; KEY_LEN],
) -> Result<(Vec<u8>, u32), CryptoError> {
    let master_version = keyring.current_version();
    let mut wrapped = Vec::with_capacity(KEY_LEN + 28);
    keyring.master(master_version)?.seal_raw(
        &wrap_aad(scope, version, master_version),
        key,
        &mut wrapped,
    )?;
    Ok((wrapped, master_version))
}

/// Unwraps a stored key row for `scope` (no cache).
pub(crate) fn unwrap_key(
    keyring: &Keyring,
    scope: KeyScope,
    row: &WrappedKeyRow,
) -> Result<Zeroizing<[u8; KEY_LEN]>> {
    let version = to_version(row.version)?;
    let master_version = to_version(row.master_key_version)?;
    let plain = keyring
        .master(master_version)?
        .open_raw(&wrap_aad(scope, version, master_version), &row.wrapped_key)
        .map_err(|_| CryptoError::MasterKeyMismatch(master_version))?;
    let bytes: [u8; KEY_LEN] = plain
        .as_slice()
        .try_into()
        .map_err(|_| StorageError::Corrupt("a wrapped data key has the wrong length".into()))?;
    Ok(Zeroizing::new(bytes))
}

pub(crate) fn random_data_key() -> Result<Zeroizing<[u8; KEY_LEN]>, CryptoError> {
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    getrandom::fill(key.as_mut_slice()).map_err(|_| CryptoError::Random)?;
    Ok(key)
}

/// `(table, owner filter)` of the key table for a scope; `$1` is the organisation when present.
fn key_table(scope: KeyScope) -> (&'static str, &'static str) {
    match scope {
        KeyScope::Org(_) => ("org_keys", "org_id = $1"),
        KeyScope::Instance => ("instance_keys", "1 = 1"),
    }
}

fn scoped_sql(scope: KeyScope, text: String) -> Sql {
    match scope {
        KeyScope::Org(org) => Sql::new(text).arg(org),
        KeyScope::Instance => Sql::new(text),
    }
}

impl Store {
    pub(crate) fn crypto(&self) -> Result<&Crypto> {
        self.crypto
            .as_deref()
            .ok_or(StorageError::Crypto(CryptoError::NoKeyring))
    }

    fn unwrap_cached(&self, scope: KeyScope, row: WrappedKeyRow) -> Result<Arc<DataKey>> {
        let crypto = self.crypto()?;
        let cache_key = CacheKey {
            scope,
            version: to_version(row.version)?,
            master_version: to_version(row.master_key_version)?,
            wrapped: row.wrapped_key,
        };
        if let Some(key) = crypto.cache.get(&cache_key) {
            return Ok(key);
        }
        let row = WrappedKeyRow {
            version: row.version,
            wrapped_key: cache_key.wrapped.clone(),
            master_key_version: row.master_key_version,
        };
        let bytes = unwrap_key(&crypto.keyring, scope, &row)?;
        let key = Arc::new(DataKey::from_bytes(cache_key.version, &bytes));
        crypto.cache.put(cache_key, Arc::clone(&key));
        Ok(key)
    }

    /// Creates, wraps and stores data key `version` for `scope` inside `tx`.
    pub(crate) async fn insert_data_key(
        &self,
        tx: &mut Tx,
        scope: KeyScope,
        version: u32,
    ) -> Result<Arc<DataKey>> {
        let crypto = self.crypto()?;
        let key = random_data_key()?;
        let (wrapped, master_version) = wrap_key(&crypto.keyring, scope, version, &key)?;
        let now = Utc::now();
        let sql = match scope {
            KeyScope::Org(org) => sql!("keys/insert_org_key").arg(org),
            KeyScope::Instance => sql!("keys/insert_instance_key"),
        };
        tx.execute(
            sql.arg(i64::from(version))
                .arg(wrapped)
                .arg(i64::from(master_version))
                .arg(now),
        )
        .await?;
        Ok(Arc::new(DataKey::from_bytes(version, &key)))
    }

    /// Counts `seals` more values against the newest live data key of `scope` and returns that
    /// key's row, in one statement: the row stays locked until `tx` ends, so a concurrent
    /// rotation waits for this transaction's values before re-encrypting (and a key that a
    /// rotation retired meanwhile matches no row). `None` when no live key matched.
    async fn count_seals_on_current_key(
        &self,
        tx: &mut Tx,
        scope: KeyScope,
        seals: u64,
    ) -> Result<Option<CountedKeyRow>> {
        let (table, owner) = key_table(scope);
        let n = if matches!(scope, KeyScope::Org(_)) {
            2
        } else {
            1
        };
        tx.fetch_optional(
            scoped_sql(
                scope,
                format!(
                    "UPDATE {table} SET seals = seals + ${n} \
                     WHERE {owner} AND retired_at IS NULL AND version = \
                     (SELECT MAX(version) FROM {table} WHERE {owner} AND retired_at IS NULL) \
                     RETURNING version, wrapped_key, master_key_version, seals"
                ),
            )
            .arg(i64::try_from(seals).unwrap_or(i64::MAX)),
        )
        .await
    }

    /// The data key that seals the next `seals` values of `scope`, with those seals counted
    /// against it in `tx` (SECURITY-CHECKLIST F3). A key that would pass its cap is rotated
    /// first, in `tx`: a new version, every value re-encrypted under it.
    ///
    /// # Errors
    /// `Crypto(SealCapReached)` when even a fresh key would pass the cap, `Crypto(DataKeyGone)`
    /// without a live key, or a database failure.
    pub(crate) async fn data_key_for_sealing(
        &self,
        tx: &mut Tx,
        scope: KeyScope,
        seals: u64,
    ) -> Result<Arc<DataKey>> {
        let cap = self.crypto()?.seals_per_key;
        let mut rotated = false;
        for _ in 0..SEAL_ATTEMPTS {
            let Some(row) = self.count_seals_on_current_key(tx, scope, seals).await? else {
                // Retired by a rotation that committed meanwhile, or no key at all: look again
                // with a fresh snapshot.
                continue;
            };
            if row.seals.unsigned_abs() <= cap {
                let row = WrappedKeyRow {
                    version: row.version,
                    wrapped_key: row.wrapped_key,
                    master_key_version: row.master_key_version,
                };
                return self.unwrap_cached(scope, row);
            }
            if rotated {
                return Err(CryptoError::SealCapReached { cap }.into());
            }
            tracing::info!(
                key_version = row.version,
                cap,
                "a data key reached its seal cap; rotating it"
            );
            self.rotate_data_key_in(tx, scope).await?;
            rotated = true;
        }
        Err(CryptoError::DataKeyGone(0).into())
    }

    /// Counts `seals` values sealed under data key `version` of `scope` (a rotation's
    /// re-encryptions), in `tx`.
    pub(crate) async fn count_seals_on(
        &self,
        tx: &mut Tx,
        scope: KeyScope,
        version: u32,
        seals: u64,
    ) -> Result<()> {
        let (table, owner) = key_table(scope);
        let n = if matches!(scope, KeyScope::Org(_)) {
            2
        } else {
            1
        };
        tx.execute(
            scoped_sql(
                scope,
                format!(
                    "UPDATE {table} SET seals = seals + ${n} WHERE {owner} AND version = ${}",
                    n + 1
                ),
            )
            .arg(i64::try_from(seals).unwrap_or(i64::MAX))
            .arg(i64::from(version)),
        )
        .await?;
        Ok(())
    }

    /// Data key `version` of `scope` (live or retired), as `tx` sees it.
    pub(crate) async fn data_key_version(
        &self,
        tx: &mut impl Reads,
        scope: KeyScope,
        version: u32,
    ) -> Result<Arc<DataKey>> {
        let (table, owner) = key_table(scope);
        let n = if matches!(scope, KeyScope::Org(_)) {
            2
        } else {
            1
        };
        let row: Option<WrappedKeyRow> = tx
            .fetch_optional(
                scoped_sql(
                    scope,
                    format!(
                        "SELECT version, wrapped_key, master_key_version FROM {table} \
                         WHERE {owner} AND version = ${n}"
                    ),
                )
                .arg(i64::from(version)),
            )
            .await?;
        match row {
            Some(row) => self.unwrap_cached(scope, row),
            None => Err(CryptoError::DataKeyGone(version).into()),
        }
    }

    /// At open: create the instance key and any missing organisation keys, and prove the
    /// keyring unwraps one stored key of every master version in use.
    pub(crate) async fn prepare_keys(&self) -> Result<()> {
        let keyring = self.crypto()?.keyring.clone();
        let mut tx = self.begin().await?;
        let instance: Option<WrappedKeyRow> =
            tx.fetch_optional(sql!("keys/newest_instance_key")).await?;
        match instance {
            Some(row) => {
                unwrap_key(&keyring, KeyScope::Instance, &row)?;
                tx.commit().await?;
            }
            None => {
                self.insert_data_key(&mut tx, KeyScope::Instance, 1).await?;
                tx.commit().await?;
            }
        }
        #[derive(sqlx::FromRow)]
        struct Id {
            id: Uuid,
        }
        #[derive(sqlx::FromRow)]
        struct Probe {
            org_id: Uuid,
            version: i64,
            wrapped_key: Vec<u8>,
            master_key_version: i64,
        }
        let mut tx = self.system_across_orgs().await?;
        let missing: Vec<Id> = tx.fetch_all(sql!("keys/orgs_without_key")).await?;
        #[derive(sqlx::FromRow)]
        struct MasterVersion {
            master_key_version: i64,
        }
        let versions: Vec<MasterVersion> = tx
            .fetch_all(sql!("keys/master_key_versions_in_use"))
            .await?;
        for v in versions {
            let p: Probe = tx
                .fetch_one(sql!("keys/org_key_of_master_version").arg(v.master_key_version))
                .await?;
            let row = WrappedKeyRow {
                version: p.version,
                wrapped_key: p.wrapped_key,
                master_key_version: p.master_key_version,
            };
            unwrap_key(&keyring, KeyScope::Org(OrgId(p.org_id)), &row)?;
        }
        tx.commit().await?;
        for Id { id } in missing {
            let org = OrgId(id);
            let mut tx = self.scoped(org).await?;
            match self.insert_data_key(&mut tx, KeyScope::Org(org), 1).await {
                Ok(_) => tx.commit().await?,
                Err(StorageError::Conflict(_)) => {} // another process created it
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

//! Whole-file encryption of the SQLite database with SQLCipher (feature `sqlcipher`).
//!
//! The file key is a raw 256-bit key derived from a master key version with HKDF-SHA256 (a raw
//! key skips SQLCipher's 256k-iteration passphrase KDF: about 0.3 ms per connection instead of
//! 140 ms). After a master rotation the file is still under the old version's key; opening it
//! tries the loaded versions newest first and re-keys the file to the current version.

use super::keyring::Keyring;
use crate::error::{Result, StorageError};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, Executor};
use zeroize::Zeroizing;

const PURPOSE: &str = "flowsense/sqlcipher-file-key/v1";

fn key_pragma_value(keyring: &Keyring, version: u32) -> Result<Zeroizing<String>> {
    let key = keyring.derive(version, PURPOSE)?;
    let hex = Zeroizing::new(hex::encode(key.as_slice()));
    Ok(Zeroizing::new(format!("\"x'{}'\"", hex.as_str())))
}

/// The value of `PRAGMA key` that opens this file: the SQLCipher key of the right master
/// version for it.
pub(crate) async fn file_key(
    connect: &SqliteConnectOptions,
    keyring: &Keyring,
) -> Result<Zeroizing<String>> {
    let current = keyring.current_version();
    let current_key = key_pragma_value(keyring, current)?;
    let path = connect.get_filename().to_path_buf();
    let is_new = std::fs::metadata(&path).map_or(true, |m| m.len() == 0);
    if is_new {
        return Ok(current_key);
    }
    for version in keyring.versions().into_iter().rev() {
        let key = key_pragma_value(keyring, version)?;
        let probe = connect.clone().pragma("key", key.to_string());
        let Ok(mut conn) = probe.connect().await else {
            continue;
        };
        if conn
            .execute(crate::args::sql_text!("sqlite-only/sqlcipher/probe"))
            .await
            .is_err()
        {
            conn.close().await.ok();
            continue;
        }
        if version == current {
            conn.close().await?;
            return Ok(current_key);
        }
        let rekeyed = conn
            .execute(sqlx::AssertSqlSafe(format!(
                "PRAGMA rekey = {}",
                current_key.as_str()
            )))
            .await;
        conn.close().await.ok();
        return Ok(match rekeyed {
            Ok(_) => current_key,
            Err(e) => {
                tracing::warn!(error = %flowsense_core::ErrorChain(&e), from = version, to = current, "could not re-key the SQLite file; keeping the older master version's key");
                key
            }
        });
    }
    Err(StorageError::Config(format!(
        "the SQLite file {} is not a database or is encrypted with another master key (check FLOWSENSE_MASTER_KEY or FLOWSENSE_MASTER_KEY_FILE)",
        path.display()
    )))
}

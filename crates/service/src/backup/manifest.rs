//! A backup's manifest (`manifest.json`, beside the sealed file): what it holds, the master key
//! version its key derives from, the checksums and the row count of every table at the moment
//! it was taken. Written last, so a backup without one is unfinished.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

pub const MANIFEST_FILE: &str = "manifest.json";
/// The sealed copy of a SQLite database.
pub const SEALED_FILE: &str = "database.sqlite.sealed";
/// The sealed `pg_dump` (custom format) of a PostgreSQL database.
pub const SEALED_PG_FILE: &str = "database.pgdump.sealed";
pub const SQLITE: &str = "sqlite";
pub const POSTGRES: &str = "postgres";
pub const VERIFIED_FILE: &str = "verified.json";
pub const FORMAT: &str = "flowsense-backup";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    /// The backup's name, also bound into every sealed chunk.
    pub id: String,
    pub created_at: DateTime<Utc>,
    /// `sqlite` or `postgres`.
    pub backend: String,
    pub flowsense_version: String,
    /// The master key version the backup key derives from (HKDF, never stored).
    pub master_key_version: u32,
    /// A value only the backup key opens: another master key is told apart from damage.
    pub key_check: String,
    pub plaintext_bytes: u64,
    pub plaintext_sha256: String,
    pub sealed_bytes: u64,
    pub sealed_sha256: String,
    pub row_counts: BTreeMap<String, i64>,
}

impl Manifest {
    /// The sealed file's name in the backup's directory.
    #[must_use]
    pub fn sealed_file(&self) -> &'static str {
        if self.backend == POSTGRES {
            SEALED_PG_FILE
        } else {
            SEALED_FILE
        }
    }
}

/// When a backup was last restored into a scratch database and found whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verified {
    pub verified_at: DateTime<Utc>,
    pub tables: usize,
    pub rows: i64,
}

/// Writes `value` as `dir/name` through a temporary file and a rename (never half a file).
pub(crate) fn write_json(dir: &Path, name: &str, value: &impl Serialize) -> std::io::Result<()> {
    let tmp = dir.join(format!(".{name}.tmp"));
    let bytes = serde_json::to_vec_pretty(value).map_err(std::io::Error::other)?;
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, dir.join(name))
}

/// Reads `dir/name`; `None` when it is not there.
pub(crate) fn read_json<T: for<'de> Deserialize<'de>>(
    dir: &Path,
    name: &str,
) -> std::io::Result<Option<T>> {
    match std::fs::read(dir.join(name)) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

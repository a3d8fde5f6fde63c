//! Backups (`flowsense backup create | verify | restore`, and the nightly job): a consistent copy
//! of the live database — SQLite's `VACUUM INTO`, or PostgreSQL's `pg_dump` of an exported
//! snapshot ([`postgres`]) — sealed under a key derived from the master key, with a manifest of
//! checksums and row counts. Verifying restores it into a scratch database and compares every
//! table's row count; a restore refuses a backup made with another master key. The master key
//! is never in a backup: whoever holds only the backups holds nothing.
//!
//! Layout: `<dir>/flowsense-YYYYMMDDTHHMMSSZ/` with `database.sqlite.sealed` (or
//! `database.pgdump.sealed`), `manifest.json` and, once verified, `verified.json`. A backup is
//! built in `<name>.partial` (mode 0700) and renamed when complete; SQLite's plaintext copy
//! lives there only until it is sealed, and a dump is sealed as `pg_dump` writes it.

pub mod manifest;
mod postgres;

use chrono::{DateTime, Utc};
use flowsense_storage::backup::postgres::PgDatabase;
use flowsense_storage::backup::{sqlite_file_is_intact, sqlite_file_row_counts};
use flowsense_storage::crypto::{BackupCipherError, Keyring};
use flowsense_storage::{StorageError, Store};
use manifest::{
    FORMAT, MANIFEST_FILE, Manifest, SEALED_FILE, VERIFIED_FILE, Verified, read_json, write_json,
};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Where scheduled backups go and how many are kept (`FLOWSENSE_BACKUP_DIR`,
/// `FLOWSENSE_BACKUP_KEEP`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupPolicy {
    pub dir: PathBuf,
    pub keep: usize,
}

/// The hour (UTC) of the nightly backup, before the retention purge.
pub const NIGHTLY_BACKUP_HOUR_UTC: u32 = 2;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{tool} failed: {message}")]
    Tool { tool: &'static str, message: String },
    #[error(
        "verifying a PostgreSQL backup restores it into a scratch database on a PostgreSQL server: run it with FLOWSENSE_DATABASE_URL set to that server"
    )]
    NoPostgresServer,
    #[error("a {backup} backup restores into {wanted}")]
    WrongTarget {
        backup: &'static str,
        wanted: &'static str,
    },
    #[error(
        "the target PostgreSQL database already has tables: a restore writes into an empty database only"
    )]
    TargetNotEmpty,
    #[error("the database could not be read or written")]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Cipher(#[from] BackupCipherError),
    #[error("{what}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0} is not a FlowSense backup (no readable manifest.json)")]
    NotABackup(PathBuf),
    #[error("the backup is damaged: {0}")]
    Damaged(String),
    #[error("{0} already exists: a restore writes a new database file only")]
    TargetExists(PathBuf),
    #[error("the store has no master key loaded")]
    NoKeyring,
}

pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> BackupError {
    let what = what.into();
    move |source| BackupError::Io { what, source }
}

/// A finished backup.
#[derive(Debug, Clone)]
pub struct Created {
    pub path: PathBuf,
    pub manifest: Manifest,
    /// Older backups removed to keep the policy's count.
    pub removed: Vec<String>,
}

/// Takes a backup of `store` into `policy.dir`, then removes the oldest beyond `policy.keep`.
///
/// # Errors
/// PostgreSQL, no master key, or a failure to copy, seal or write.
#[tracing::instrument(skip_all)]
pub async fn create(
    store: &Store,
    policy: &BackupPolicy,
    now: DateTime<Utc>,
) -> Result<Created, BackupError> {
    let keyring = store.keyring().ok_or(BackupError::NoKeyring)?;
    let id = format!("flowsense-{}", now.format("%Y%m%dT%H%M%SZ"));
    let final_dir = policy.dir.join(&id);
    if final_dir.exists() {
        return Err(BackupError::TargetExists(final_dir));
    }
    let work = policy.dir.join(format!("{id}.partial"));
    create_private_dir(&work)?;
    let result = match store.postgres_database() {
        None => build(store, keyring, &id, &work, now).await,
        Some(db) => postgres::build(db, keyring, &id, &work, now).await,
    };
    let manifest = match result {
        Ok(m) => m,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&work);
            return Err(e);
        }
    };
    std::fs::rename(&work, &final_dir).map_err(io("the finished backup cannot be renamed"))?;
    let removed = prune(&policy.dir, policy.keep)?;
    tracing::info!(
        backup = %id,
        bytes = manifest.sealed_bytes,
        tables = manifest.row_counts.len(),
        removed = removed.len(),
        "backup created"
    );
    Ok(Created {
        path: final_dir,
        manifest,
        removed,
    })
}

async fn build(
    store: &Store,
    keyring: &Keyring,
    id: &str,
    work: &Path,
    now: DateTime<Utc>,
) -> Result<Manifest, BackupError> {
    let snapshot = work.join("snapshot.sqlite");
    store.snapshot_sqlite_into(&snapshot).await?;
    if !sqlite_file_is_intact(&snapshot).await? {
        return Err(BackupError::Damaged(
            "the snapshot failed SQLite's integrity check".into(),
        ));
    }
    let row_counts = sqlite_file_row_counts(&snapshot).await?;
    let cipher = keyring.backup_cipher(keyring.current_version(), id)?;
    let key_check = cipher.key_check()?;
    let sealed_path = work.join(SEALED_FILE);
    let snapshot_for_seal = snapshot.clone();
    let sealed = tokio::task::spawn_blocking(move || {
        let plain =
            std::fs::File::open(&snapshot_for_seal).map_err(io("the snapshot cannot be read"))?;
        seal_to_file(&cipher, plain, &sealed_path)
    })
    .await
    .map_err(|e| BackupError::Damaged(format!("sealing stopped: {e}")))??;
    std::fs::remove_file(&snapshot).map_err(io("the plaintext snapshot cannot be removed"))?;
    let manifest = describe(
        id,
        now,
        manifest::SQLITE,
        keyring,
        key_check,
        sealed,
        row_counts,
    );
    write_json(work, MANIFEST_FILE, &manifest).map_err(io("the manifest cannot be written"))?;
    Ok(manifest)
}

/// The manifest of a backup just sealed under `keyring`'s current master key.
fn describe(
    id: &str,
    now: DateTime<Utc>,
    backend: &str,
    keyring: &Keyring,
    key_check: String,
    sealed: Opened,
    row_counts: std::collections::BTreeMap<String, i64>,
) -> Manifest {
    Manifest {
        format: FORMAT.into(),
        version: 1,
        id: id.to_owned(),
        created_at: now,
        backend: backend.into(),
        flowsense_version: env!("CARGO_PKG_VERSION").into(),
        master_key_version: keyring.current_version(),
        key_check,
        plaintext_bytes: sealed.plain.1,
        plaintext_sha256: sealed.plain.0,
        sealed_bytes: sealed.sealed.1,
        sealed_sha256: sealed.sealed.0,
        row_counts,
    }
}

/// Reads the manifest of the backup at `backup`.
///
/// # Errors
/// [`BackupError::NotABackup`] without a readable manifest of this format.
pub fn read_manifest(backup: &Path) -> Result<Manifest, BackupError> {
    match read_json::<Manifest>(backup, MANIFEST_FILE) {
        Ok(Some(m)) if m.format == FORMAT && m.version == 1 => Ok(m),
        _ => Err(BackupError::NotABackup(backup.to_path_buf())),
    }
}

/// Where a restore (or a verification's scratch copy) is written.
#[derive(Debug, Clone)]
pub enum RestoreTarget {
    /// A new SQLite file (it must not exist).
    SqliteFile(PathBuf),
    /// An empty PostgreSQL database (no table in its schema).
    Postgres(PgDatabase),
}

impl RestoreTarget {
    /// `postgres://…` for a PostgreSQL database, else a file path (`sqlite://` optional).
    ///
    /// # Errors
    /// An unparsable PostgreSQL URL.
    pub fn parse(target: &str) -> Result<RestoreTarget, BackupError> {
        if target.starts_with("postgres://") || target.starts_with("postgresql://") {
            Ok(RestoreTarget::Postgres(PgDatabase::parse(target)?))
        } else {
            let path = target.strip_prefix("sqlite://").unwrap_or(target);
            Ok(RestoreTarget::SqliteFile(PathBuf::from(path)))
        }
    }
}

/// What opening a sealed file produced: the plaintext's and the sealed file's checksums and
/// sizes, to be compared with the manifest.
pub(crate) struct Opened {
    plain: (String, u64),
    sealed: (String, u64),
}

/// Opens the backup at `backup` with `keyring` into `target`, checking the key, both
/// checksums, the database's integrity and every table's row count.
async fn open_into(
    keyring: &Keyring,
    backup: &Path,
    target: &RestoreTarget,
) -> Result<(Manifest, i64), BackupError> {
    let manifest = read_manifest(backup)?;
    let cipher = keyring.backup_cipher(manifest.master_key_version, &manifest.id)?;
    cipher.verify_key_check(&manifest.key_check)?;
    let sealed_path = backup.join(manifest.sealed_file());
    let (opened, counts) = match (manifest.backend.as_str(), target) {
        (manifest::SQLITE, RestoreTarget::SqliteFile(path)) => {
            let opened = open_sqlite_into(cipher, sealed_path, path.clone()).await?;
            check_checksums(&manifest, &opened)?;
            if !sqlite_file_is_intact(path).await? {
                return Err(BackupError::Damaged(
                    "the restored database fails SQLite's integrity check".into(),
                ));
            }
            (opened, sqlite_file_row_counts(path).await?)
        }
        (manifest::POSTGRES, RestoreTarget::Postgres(db)) => {
            let opened = postgres::restore_into(cipher, sealed_path, db).await?;
            check_checksums(&manifest, &opened)?;
            (opened, db.row_counts().await?)
        }
        (manifest::SQLITE, RestoreTarget::Postgres(_)) => {
            return Err(BackupError::WrongTarget {
                backup: "SQLite",
                wanted: "a new SQLite file",
            });
        }
        _ => {
            return Err(BackupError::WrongTarget {
                backup: "PostgreSQL",
                wanted: "an empty PostgreSQL database",
            });
        }
    };
    drop(opened);
    if counts != manifest.row_counts {
        let differ: Vec<&str> = manifest
            .row_counts
            .iter()
            .filter(|(t, n)| counts.get(*t) != Some(n))
            .map(|(t, _)| t.as_str())
            .collect();
        return Err(BackupError::Damaged(format!(
            "row counts differ from the manifest in {}",
            differ.join(", ")
        )));
    }
    let rows = counts.values().sum();
    Ok((manifest, rows))
}

fn check_checksums(manifest: &Manifest, opened: &Opened) -> Result<(), BackupError> {
    if (opened.sealed.0.as_str(), opened.sealed.1)
        != (manifest.sealed_sha256.as_str(), manifest.sealed_bytes)
    {
        return Err(BackupError::Damaged(
            "the sealed file's checksum differs from the manifest".into(),
        ));
    }
    if (opened.plain.0.as_str(), opened.plain.1)
        != (manifest.plaintext_sha256.as_str(), manifest.plaintext_bytes)
    {
        return Err(BackupError::Damaged(
            "the database's checksum differs from the manifest".into(),
        ));
    }
    Ok(())
}

/// Seals everything `plain` yields into the new file `sealed_path`, synced to disk.
pub(crate) fn seal_to_file(
    cipher: &flowsense_storage::crypto::BackupCipher,
    plain: impl Read,
    sealed_path: &Path,
) -> Result<Opened, BackupError> {
    let mut reader = Hashing::new(std::io::BufReader::new(plain));
    let mut writer = Hashing::new(std::io::BufWriter::new(
        std::fs::File::create(sealed_path).map_err(io("the backup file cannot be created"))?,
    ));
    cipher.seal(&mut reader, &mut writer)?;
    writer
        .flush()
        .map_err(io("the backup file cannot be written"))?;
    let (sealed_sha, sealed_bytes, file) = writer.finish();
    file.into_inner()
        .map_err(|e| e.into_error())
        .and_then(|f| f.sync_all())
        .map_err(io("the backup file cannot be written"))?;
    let (plain_sha, plain_bytes, _) = reader.finish();
    Ok(Opened {
        plain: (plain_sha, plain_bytes),
        sealed: (sealed_sha, sealed_bytes),
    })
}

/// Opens the sealed SQLite copy into the new file `target`.
async fn open_sqlite_into(
    cipher: flowsense_storage::crypto::BackupCipher,
    sealed_path: PathBuf,
    target: PathBuf,
) -> Result<Opened, BackupError> {
    tokio::task::spawn_blocking(move || -> Result<_, BackupError> {
        let mut reader = Hashing::new(std::io::BufReader::new(
            std::fs::File::open(&sealed_path).map_err(io("the backup file cannot be read"))?,
        ));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options
            .open(&target)
            .map_err(io(format!("{} cannot be created", target.display())))?;
        let mut writer = Hashing::new(std::io::BufWriter::new(file));
        cipher.open(&mut reader, &mut writer)?;
        writer
            .flush()
            .map_err(io("the restored database cannot be written"))?;
        let (plain_sha, plain_bytes, file) = writer.finish();
        file.into_inner()
            .map_err(|e| e.into_error())
            .and_then(|f| f.sync_all())
            .map_err(io("the restored database cannot be written"))?;
        let (sealed_sha, sealed_bytes, _) = reader.finish();
        Ok(Opened {
            plain: (plain_sha, plain_bytes),
            sealed: (sealed_sha, sealed_bytes),
        })
    })
    .await
    .map_err(|e| BackupError::Damaged(format!("opening stopped: {e}")))?
}

/// Restores the backup at `backup` into a scratch database, compares it with its manifest, and
/// records the result beside it (`verified.json`). A PostgreSQL backup's scratch database is
/// made on `postgres` (the instance's server) and dropped afterwards.
///
/// # Errors
/// Another master key, damage, a PostgreSQL backup without a server, or a failure to write the
/// scratch database.
#[tracing::instrument(skip_all)]
pub async fn verify(
    keyring: &Keyring,
    backup: &Path,
    postgres: Option<&PgDatabase>,
    now: DateTime<Utc>,
) -> Result<Verified, BackupError> {
    let manifest = read_manifest(backup)?;
    let (manifest, rows) = if manifest.backend == manifest::POSTGRES {
        let server = postgres.ok_or(BackupError::NoPostgresServer)?;
        let scratch = server.create_scratch("verify").await?;
        let target = RestoreTarget::Postgres(scratch.database.clone());
        let result = open_into(keyring, backup, &target).await;
        scratch.drop_now().await?;
        result?
    } else {
        let scratch = tempfile::tempdir().map_err(io("no scratch directory"))?;
        let target = RestoreTarget::SqliteFile(scratch.path().join("verify.sqlite"));
        open_into(keyring, backup, &target).await?
    };
    let verified = Verified {
        verified_at: now,
        tables: manifest.row_counts.len(),
        rows,
    };
    write_json(backup, VERIFIED_FILE, &verified)
        .map_err(io("the verification cannot be recorded"))?;
    tracing::info!(backup = %manifest.id, tables = verified.tables, "backup verified");
    Ok(verified)
}

/// Restores the backup at `backup` into `target`: a SQLite file that must not exist yet, or a
/// PostgreSQL database without tables.
///
/// # Errors
/// [`BackupError::TargetExists`] or [`BackupError::TargetNotEmpty`], another master key
/// ([`BackupCipherError::KeyMismatch`]) or damage; a partly written SQLite file is removed, and
/// a PostgreSQL restore is one transaction.
pub async fn restore(
    keyring: &Keyring,
    backup: &Path,
    target: &RestoreTarget,
) -> Result<Manifest, BackupError> {
    match target {
        RestoreTarget::SqliteFile(path) if path.exists() => {
            return Err(BackupError::TargetExists(path.clone()));
        }
        RestoreTarget::Postgres(db) if !db.is_empty().await? => {
            return Err(BackupError::TargetNotEmpty);
        }
        _ => {}
    }
    match open_into(keyring, backup, target).await {
        Ok((manifest, _)) => Ok(manifest),
        Err(e) => {
            if let RestoreTarget::SqliteFile(path) = target {
                // The target did not exist before: whatever is there now is this restore's.
                let _ = std::fs::remove_file(path);
            }
            Err(e)
        }
    }
}

/// The finished backups in `dir`, oldest first.
///
/// # Errors
/// When `dir` cannot be read.
pub fn list(dir: &Path) -> Result<Vec<(PathBuf, Manifest, Option<Verified>)>, BackupError> {
    let mut found = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(found),
        Err(e) => return Err(io(format!("{} cannot be read", dir.display()))(e)),
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if !path.is_dir() || !name.starts_with("flowsense-") || name.ends_with(".partial") {
            continue;
        }
        if let Ok(m) = read_manifest(&path) {
            let verified = read_json::<Verified>(&path, VERIFIED_FILE).ok().flatten();
            found.push((path, m, verified));
        }
    }
    found.sort_by(|a, b| {
        a.1.created_at
            .cmp(&b.1.created_at)
            .then(a.1.id.cmp(&b.1.id))
    });
    Ok(found)
}

/// The newest backup in `dir` that a verification found whole.
#[must_use]
pub fn last_verified(dir: &Path) -> Option<(Manifest, Verified)> {
    list(dir)
        .ok()?
        .into_iter()
        .rev()
        .find_map(|(_, m, v)| v.map(|v| (m, v)))
}

/// Removes the oldest finished backups beyond `keep`; returns their names.
fn prune(dir: &Path, keep: usize) -> Result<Vec<String>, BackupError> {
    let all = list(dir)?;
    let excess = all.len().saturating_sub(keep.max(1));
    let mut removed = Vec::new();
    for (path, m, _) in all.into_iter().take(excess) {
        std::fs::remove_dir_all(&path)
            .map_err(io(format!("{} cannot be removed", path.display())))?;
        removed.push(m.id);
    }
    Ok(removed)
}

fn create_private_dir(path: &Path) -> Result<(), BackupError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(path)
        .map_err(io(format!("{} cannot be created", path.display())))
}

/// A reader or writer that hashes (SHA-256) and counts what passes through it.
pub(crate) struct Hashing<T> {
    inner: T,
    hash: Sha256,
    bytes: u64,
}

impl<T> Hashing<T> {
    pub(crate) fn new(inner: T) -> Self {
        Self {
            inner,
            hash: Sha256::new(),
            bytes: 0,
        }
    }

    pub(crate) fn finish(self) -> (String, u64, T) {
        (hex::encode(self.hash.finalize()), self.bytes, self.inner)
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

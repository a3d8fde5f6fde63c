//! Backups (`flowsense backup create | verify | restore`, and the nightly job): a consistent copy
//! of the live SQLite database (`VACUUM INTO`), sealed under a key derived from the master key,
//! with a manifest of checksums and row counts. Verifying restores it into a scratch database
//! and compares every table's row count; a restore refuses a backup made with another master
//! key. The master key is never in a backup: whoever holds only the backups holds nothing.
//!
//! Layout: `<dir>/flowsense-YYYYMMDDTHHMMSSZ/` with `database.sqlite.sealed`, `manifest.json`
//! and, once verified, `verified.json`. A backup is built in `<name>.partial` (mode 0700) and
//! renamed when complete; the plaintext copy lives there only until it is sealed.

pub mod manifest;

use chrono::{DateTime, Utc};
use flowsense_storage::backup::{sqlite_file_is_intact, sqlite_file_row_counts};
use flowsense_storage::crypto::{BackupCipherError, Keyring};
use flowsense_storage::{Backend, StorageError, Store};
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
    #[error(
        "backups of a PostgreSQL database are taken with pg_dump by the operator; `flowsense backup` handles SQLite"
    )]
    PostgresNotSupported,
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

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> BackupError {
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
    if store.backend() != Backend::Sqlite {
        return Err(BackupError::PostgresNotSupported);
    }
    let keyring = store.keyring().ok_or(BackupError::NoKeyring)?;
    let id = format!("flowsense-{}", now.format("%Y%m%dT%H%M%SZ"));
    let final_dir = policy.dir.join(&id);
    if final_dir.exists() {
        return Err(BackupError::TargetExists(final_dir));
    }
    let work = policy.dir.join(format!("{id}.partial"));
    create_private_dir(&work)?;
    let result = build(store, keyring, &id, &work, now).await;
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
    let (plain, sealed) = tokio::task::spawn_blocking(move || -> Result<_, BackupError> {
        let mut reader = Hashing::new(
            std::fs::File::open(&snapshot_for_seal).map_err(io("the snapshot cannot be read"))?,
        );
        let mut writer = Hashing::new(std::io::BufWriter::new(
            std::fs::File::create(&sealed_path).map_err(io("the backup file cannot be created"))?,
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
        Ok(((plain_sha, plain_bytes), (sealed_sha, sealed_bytes)))
    })
    .await
    .map_err(|e| BackupError::Damaged(format!("sealing stopped: {e}")))??;
    std::fs::remove_file(&snapshot).map_err(io("the plaintext snapshot cannot be removed"))?;
    let manifest = Manifest {
        format: FORMAT.into(),
        version: 1,
        id: id.to_owned(),
        created_at: now,
        backend: "sqlite".into(),
        flowsense_version: env!("CARGO_PKG_VERSION").into(),
        master_key_version: keyring.current_version(),
        key_check,
        plaintext_bytes: plain.1,
        plaintext_sha256: plain.0,
        sealed_bytes: sealed.1,
        sealed_sha256: sealed.0,
        row_counts,
    };
    write_json(work, MANIFEST_FILE, &manifest).map_err(io("the manifest cannot be written"))?;
    Ok(manifest)
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

/// Opens the backup at `backup` with `keyring` into the new file `target`, checking the key,
/// both checksums, SQLite's integrity check and every table's row count.
async fn open_into(
    keyring: &Keyring,
    backup: &Path,
    target: &Path,
) -> Result<(Manifest, i64), BackupError> {
    let manifest = read_manifest(backup)?;
    let cipher = keyring.backup_cipher(manifest.master_key_version, &manifest.id)?;
    cipher.verify_key_check(&manifest.key_check)?;
    let sealed_path = backup.join(SEALED_FILE);
    let target_path = target.to_path_buf();
    let (plain, sealed) = tokio::task::spawn_blocking(move || -> Result<_, BackupError> {
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
            .open(&target_path)
            .map_err(io(format!("{} cannot be created", target_path.display())))?;
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
        Ok(((plain_sha, plain_bytes), (sealed_sha, sealed_bytes)))
    })
    .await
    .map_err(|e| BackupError::Damaged(format!("opening stopped: {e}")))??;
    if (sealed.0.as_str(), sealed.1) != (manifest.sealed_sha256.as_str(), manifest.sealed_bytes) {
        return Err(BackupError::Damaged(
            "the sealed file's checksum differs from the manifest".into(),
        ));
    }
    if (plain.0.as_str(), plain.1) != (manifest.plaintext_sha256.as_str(), manifest.plaintext_bytes)
    {
        return Err(BackupError::Damaged(
            "the database's checksum differs from the manifest".into(),
        ));
    }
    if !sqlite_file_is_intact(target).await? {
        return Err(BackupError::Damaged(
            "the restored database fails SQLite's integrity check".into(),
        ));
    }
    let counts = sqlite_file_row_counts(target).await?;
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

/// Restores the backup at `backup` into a scratch database, compares it with its manifest, and
/// records the result beside it (`verified.json`).
///
/// # Errors
/// Another master key, damage, or a failure to write the scratch database.
#[tracing::instrument(skip_all)]
pub async fn verify(
    keyring: &Keyring,
    backup: &Path,
    now: DateTime<Utc>,
) -> Result<Verified, BackupError> {
    let scratch = tempfile::tempdir().map_err(io("no scratch directory"))?;
    let (manifest, rows) =
        open_into(keyring, backup, &scratch.path().join("verify.sqlite")).await?;
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

/// Restores the backup at `backup` into `target`, a SQLite file that must not exist yet.
///
/// # Errors
/// [`BackupError::TargetExists`], another master key ([`BackupCipherError::KeyMismatch`]) or
/// damage; a partly written target is removed.
pub async fn restore(
    keyring: &Keyring,
    backup: &Path,
    target: &Path,
) -> Result<Manifest, BackupError> {
    if target.exists() {
        return Err(BackupError::TargetExists(target.to_path_buf()));
    }
    match open_into(keyring, backup, target).await {
        Ok((manifest, _)) => Ok(manifest),
        Err(e) => {
            // The target did not exist before: whatever is there now is this restore's.
            let _ = std::fs::remove_file(target);
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
struct Hashing<T> {
    inner: T,
    hash: Sha256,
    bytes: u64,
}

impl<T> Hashing<T> {
    fn new(inner: T) -> Self {
        Self {
            inner,
            hash: Sha256::new(),
            bytes: 0,
        }
    }

    fn finish(self) -> (String, u64, T) {
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

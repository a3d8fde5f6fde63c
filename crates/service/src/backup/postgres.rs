//! PostgreSQL backups: `pg_dump --format=custom` of a snapshot the store exports (so the dump
//! and the manifest's row counts describe one instant while writers carry on), sealed as the
//! dump streams out — no plaintext dump ever touches the disk — and restored by streaming the
//! opened dump into `pg_restore --single-transaction` (all or nothing).
//!
//! The client tools get the owner's URL without its password on their command line and the
//! password in `PGPASSWORD`; what they print on failure is kept to its last lines.

use super::manifest::{self, MANIFEST_FILE, Manifest, SEALED_PG_FILE, write_json};
use super::{BackupError, Hashing, Opened, describe, io, seal_to_file};
use chrono::{DateTime, Utc};
use flowsense_storage::backup::postgres::PgDatabase;
use flowsense_storage::crypto::{BackupCipher, Keyring};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// How much of a tool's error output a message keeps.
const TOOL_MESSAGE_CHARS: usize = 600;

/// Dumps `db` into `work`, sealed, and describes it.
pub(super) async fn build(
    db: &PgDatabase,
    keyring: &Keyring,
    id: &str,
    work: &Path,
    now: DateTime<Utc>,
) -> Result<Manifest, BackupError> {
    let snapshot = db.snapshot().await?;
    let row_counts = snapshot.row_counts.clone();
    let cipher = keyring.backup_cipher(keyring.current_version(), id)?;
    let key_check = cipher.key_check()?;
    let sealed_path = work.join(SEALED_PG_FILE);
    let command = client_command(
        "pg_dump",
        db,
        &[
            "--format=custom".to_owned(),
            format!("--snapshot={}", snapshot.id),
        ],
    );
    let dumped = tokio::task::spawn_blocking(move || dump_sealed(command, &cipher, &sealed_path))
        .await
        .map_err(|e| BackupError::Damaged(format!("the dump stopped: {e}")));
    // The snapshot is held until pg_dump has finished with it.
    snapshot.release().await?;
    let opened = dumped??;
    let manifest = describe(
        id,
        now,
        manifest::POSTGRES,
        keyring,
        key_check,
        opened,
        row_counts,
    );
    write_json(work, MANIFEST_FILE, &manifest).map_err(io("the manifest cannot be written"))?;
    Ok(manifest)
}

/// Opens the sealed dump at `sealed_path` into the empty database `db` with `pg_restore`, in
/// one transaction.
pub(super) async fn restore_into(
    cipher: BackupCipher,
    sealed_path: PathBuf,
    db: &PgDatabase,
) -> Result<Opened, BackupError> {
    // The dump grants to the row-level-security role; a new server may not have it yet.
    db.ensure_app_role().await?;
    let command = client_command(
        "pg_restore",
        db,
        &[
            "--single-transaction".to_owned(),
            "--exit-on-error".to_owned(),
            "--no-owner".to_owned(),
        ],
    );
    tokio::task::spawn_blocking(move || restore_opened(command, &cipher, &sealed_path))
        .await
        .map_err(|e| BackupError::Damaged(format!("the restore stopped: {e}")))?
}

/// `tool` (from PATH) reaching `db`, told never to ask for a password.
fn client_command(tool: &'static str, db: &PgDatabase, args: &[String]) -> (&'static str, Command) {
    let (url, password) = db.client_connection();
    let mut command = Command::new(tool);
    command
        .arg("--no-password")
        .args(args)
        .arg(format!("--dbname={url}"))
        .env_remove("PGPASSWORD")
        .stderr(Stdio::piped());
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    (tool, command)
}

fn spawn(tool: &'static str, mut command: Command) -> Result<Child, BackupError> {
    command.spawn().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            BackupError::Tool {
                tool,
                message: format!(
                    "{tool} was not found on PATH: install the PostgreSQL client tools (package postgresql-client) of the server's major version or newer"
                ),
            }
        } else {
            BackupError::Io {
                what: format!("{tool} cannot be started"),
                source: e,
            }
        }
    })
}

/// Reads a child's error output on a thread of its own, so a full pipe never blocks it.
fn collect_stderr(child: &mut Child) -> std::thread::JoinHandle<String> {
    let stderr = child.stderr.take();
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut s) = stderr {
            let _ = s.read_to_string(&mut text);
        }
        text
    })
}

/// Waits for the child; its failure, with the end of what it printed, is an error.
fn finish(
    tool: &'static str,
    mut child: Child,
    stderr: std::thread::JoinHandle<String>,
) -> Result<(), BackupError> {
    let status = child
        .wait()
        .map_err(io(format!("{tool} could not be waited for")))?;
    let text = stderr.join().unwrap_or_default();
    if status.success() {
        return Ok(());
    }
    let text = text.trim();
    let start = text
        .char_indices()
        .rev()
        .nth(TOOL_MESSAGE_CHARS)
        .map_or(0, |(i, _)| i);
    Err(BackupError::Tool {
        tool,
        message: if text.is_empty() {
            format!("it exited with {status}")
        } else {
            text[start..].to_owned()
        },
    })
}

fn dump_sealed(
    (tool, mut command): (&'static str, Command),
    cipher: &BackupCipher,
    sealed_path: &Path,
) -> Result<Opened, BackupError> {
    command.stdin(Stdio::null()).stdout(Stdio::piped());
    let mut child = spawn(tool, command)?;
    let stderr = collect_stderr(&mut child);
    let Some(stdout) = child.stdout.take() else {
        let _ = child.kill();
        return Err(BackupError::Damaged("pg_dump gave no output".into()));
    };
    let sealed = seal_to_file(cipher, stdout, sealed_path);
    if sealed.is_err() {
        let _ = child.kill();
        let _ = child.wait();
        return sealed;
    }
    // pg_dump's own failure (say, a refused connection) says more than the short stream it left.
    finish(tool, child, stderr)?;
    sealed
}

fn restore_opened(
    (tool, mut command): (&'static str, Command),
    cipher: &BackupCipher,
    sealed_path: &Path,
) -> Result<Opened, BackupError> {
    command.stdin(Stdio::piped()).stdout(Stdio::null());
    let mut reader = Hashing::new(std::io::BufReader::new(
        std::fs::File::open(sealed_path).map_err(io("the backup file cannot be read"))?,
    ));
    let mut child = spawn(tool, command)?;
    let stderr = collect_stderr(&mut child);
    let Some(stdin) = child.stdin.take() else {
        let _ = child.kill();
        return Err(BackupError::Damaged("pg_restore took no input".into()));
    };
    let mut writer = Hashing::new(std::io::BufWriter::new(stdin));
    let opened = cipher
        .open(&mut reader, &mut writer)
        .map_err(BackupError::from);
    if let Err(e) = opened {
        // Damage found mid-stream: pg_restore is stopped before its input ends, so its single
        // transaction never commits what it was given so far.
        let _ = child.kill();
        let _ = child.wait();
        return Err(e);
    }
    let flushed = writer.flush();
    let (plain_sha, plain_bytes, stdin) = writer.finish();
    // Closing its input tells pg_restore the dump is complete.
    drop(stdin);
    let finished = finish(tool, child, stderr);
    finished?;
    flushed.map_err(io("the dump could not be given to pg_restore"))?;
    let (sealed_sha, sealed_bytes, _) = reader.finish();
    Ok(Opened {
        plain: (plain_sha, plain_bytes),
        sealed: (sealed_sha, sealed_bytes),
    })
}

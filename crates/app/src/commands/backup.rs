//! `flowsense backup create | verify | restore`: sealed backups of the database, SQLite or
//! PostgreSQL (`flowsense_service::backup`). The master key is never written into a backup;
//! keep it apart.

use crate::cli::BackupCommand;
use crate::settings::Settings;
use anyhow::{Context as _, Result, bail};
use flowsense_service::backup::{self, BackupPolicy, RestoreTarget};
use flowsense_storage::backup::postgres::PgDatabase;
use std::path::{Path, PathBuf};

pub async fn run(settings: &Settings, command: &BackupCommand) -> Result<()> {
    match command {
        BackupCommand::Create { dir, keep } => {
            let policy = BackupPolicy {
                dir: dir.clone().unwrap_or_else(|| default_dir(settings)),
                keep: keep.unwrap_or(settings.backup_keep).max(1),
            };
            create(settings, &policy).await
        }
        BackupCommand::Verify { backup, dir } => {
            let path = match backup {
                Some(p) => p.clone(),
                None => newest(&dir.clone().unwrap_or_else(|| default_dir(settings)))?,
            };
            verify(settings, &path).await
        }
        BackupCommand::Restore { backup, to } => restore(settings, backup, to).await,
    }
}

/// `FLOWSENSE_BACKUP_DIR`, else `backups/` in the data directory.
fn default_dir(settings: &Settings) -> PathBuf {
    settings
        .backup_dir
        .clone()
        .unwrap_or_else(|| settings.data_dir.join("backups"))
}

fn newest(dir: &Path) -> Result<PathBuf> {
    match backup::list(dir)?.pop() {
        Some((path, _, _)) => Ok(path),
        None => bail!(
            "no backup in {} (take one with `flowsense backup create`)",
            dir.display()
        ),
    }
}

async fn create(settings: &Settings, policy: &BackupPolicy) -> Result<()> {
    let store = super::open_store(settings, false).await?;
    let started = std::time::Instant::now();
    let result = backup::create(&store, policy, chrono::Utc::now()).await;
    store.close().await;
    let created = result.context("taking the backup")?;
    let m = &created.manifest;
    println!(
        "Backup {} written to {} in {:.1} s: {} bytes sealed ({} bytes of database), {} tables, {} rows",
        m.id,
        created.path.display(),
        started.elapsed().as_secs_f64(),
        m.sealed_bytes,
        m.plaintext_bytes,
        m.row_counts.len(),
        m.row_counts.values().sum::<i64>()
    );
    for removed in &created.removed {
        println!("Removed {removed} (keeping {})", policy.keep);
    }
    println!("Keep the master key apart from the backups: a backup cannot be restored without it.");
    Ok(())
}

async fn verify(settings: &Settings, path: &Path) -> Result<()> {
    let keyring = super::load_keyring(settings, false)?;
    let started = std::time::Instant::now();
    let server = postgres_server(settings)?;
    let verified = backup::verify(&keyring, path, server.as_ref(), chrono::Utc::now())
        .await
        .with_context(|| format!("verifying {}", path.display()))?;
    println!(
        "Verified {} in {:.1} s: restored into a scratch database, {} tables and {} rows as its manifest says",
        path.display(),
        started.elapsed().as_secs_f64(),
        verified.tables,
        verified.rows
    );
    Ok(())
}

/// The PostgreSQL server of the instance's database, where a PostgreSQL backup is verified.
fn postgres_server(settings: &Settings) -> Result<Option<PgDatabase>> {
    let url = &settings.database_url;
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Some(PgDatabase::parse(url)?))
    } else {
        Ok(None)
    }
}

async fn restore(settings: &Settings, path: &Path, to: &str) -> Result<()> {
    let keyring = super::load_keyring(settings, false)?;
    let target = RestoreTarget::parse(to)?;
    let started = std::time::Instant::now();
    let manifest = backup::restore(&keyring, path, &target)
        .await
        .with_context(|| format!("restoring {}", path.display()))?;
    let (into, url) = match &target {
        RestoreTarget::SqliteFile(file) => (
            file.display().to_string(),
            format!("=sqlite://{}", file.display()),
        ),
        // The URL as given may hold a password: it is not printed back.
        RestoreTarget::Postgres(db) => (
            format!("the PostgreSQL database {}", db.name()),
            " set to its URL".to_owned(),
        ),
    };
    println!(
        "Restored {} (taken {}) into {into} in {:.1} s; start FlowSense with FLOWSENSE_DATABASE_URL{url} and the same master key",
        manifest.id,
        manifest.created_at.to_rfc3339(),
        started.elapsed().as_secs_f64(),
    );
    Ok(())
}

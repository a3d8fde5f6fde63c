//! What backups need from the database: a consistent copy of a live SQLite database, taken with
//! `VACUUM INTO` (one read transaction, so writers carry on under WAL and the copy is a single
//! point in time, compacted; the online backup API would copy page by page and restart whenever
//! a writer touches a copied page), the row count of every table of a copy, its integrity
//! check, and the master keys backups derive their key from. PostgreSQL's side (a snapshot
//! shared with `pg_dump`, scratch databases, the client tools' connection) is in [`postgres`].
//!
//! The SQL here names tables read from the database's own catalog, so it is built at run time,
//! not from checked files.

pub mod postgres;

use crate::db::Pool;
use crate::error::Result;
use crate::{StorageError, Store};
use sqlx::Connection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use std::collections::BTreeMap;
use std::path::Path;

impl Store {
    /// Writes a consistent copy of this SQLite database to `path` (which must not exist).
    ///
    /// # Errors
    /// On PostgreSQL (backed up with `pg_dump`), or when the copy cannot be written.
    pub async fn snapshot_sqlite_into(&self, path: &Path) -> Result<()> {
        let Pool::Sqlite(pool) = &self.pool else {
            return Err(StorageError::Config(
                "a PostgreSQL database is backed up with pg_dump, not a file snapshot".into(),
            ));
        };
        let target = path
            .to_str()
            .ok_or_else(|| StorageError::Config("the backup path is not UTF-8".into()))?;
        sqlx::query("VACUUM INTO ?")
            .bind(target)
            .execute(pool)
            .await?;
        Ok(())
    }

    /// The master keys this store was opened with (backups derive their key from them).
    #[must_use]
    pub fn keyring(&self) -> Option<&crate::crypto::Keyring> {
        self.crypto.as_ref().map(|c| &c.keyring)
    }
}

async fn open_file(path: &Path, read_only: bool) -> Result<SqliteConnection> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .read_only(read_only)
        .create_if_missing(false);
    Ok(SqliteConnection::connect_with(&options).await?)
}

/// The row count of every table of the SQLite database file at `path` (FlowSense's tables and
/// the migration history; SQLite's own excluded). A virtual table (the word-search index) is
/// counted through its shadow tables, which hold its data: it cannot be scanned itself.
///
/// # Errors
/// When the file is not a readable SQLite database.
pub async fn sqlite_file_row_counts(path: &Path) -> Result<BTreeMap<String, i64>> {
    let mut conn = open_file(path, true).await?;
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name",
    )
    .fetch_all(&mut conn)
    .await?;
    let mut counts = BTreeMap::new();
    for (table,) in tables {
        // The name comes from the catalog; quoted as an identifier.
        let sql = format!("SELECT count(*) FROM \"{}\"", table.replace('"', "\"\""));
        let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_one(&mut conn)
            .await?;
        counts.insert(table, n);
    }
    conn.close().await?;
    Ok(counts)
}

/// Whether SQLite's integrity check passes on the database file at `path`.
///
/// # Errors
/// When the file is not a readable SQLite database.
pub async fn sqlite_file_is_intact(path: &Path) -> Result<bool> {
    let mut conn = open_file(path, true).await?;
    let rows: Vec<(String,)> = sqlx::query_as("PRAGMA integrity_check")
        .fetch_all(&mut conn)
        .await?;
    conn.close().await?;
    Ok(rows.len() == 1 && rows[0].0 == "ok")
}

//! What a PostgreSQL backup needs from the database: the owner's connection (never the pool's,
//! which runs as the row-level-security role), a snapshot exported to `pg_dump` so that the
//! dump and the row counts in its manifest describe the same instant, row counts of a database,
//! scratch databases to verify a dump in, and the connection the client tools are given — the
//! URL without its password, which travels in `PGPASSWORD` and never on a command line.
//!
//! Row security is switched off on every connection here: a role that the policies would
//! filter gets an error instead of a count (or a dump) of only the rows it may see.

use crate::error::Result;
use crate::{StorageError, Store};
use sqlx::postgres::PgConnection;
use sqlx::{Connection, Executor};
use std::collections::BTreeMap;
use std::str::FromStr;

/// Query parameters sqlx reads that libpq (pg_dump, pg_restore) does not know.
const SQLX_ONLY_PARAMETERS: &[&str] = &["statement-cache-capacity"];

/// A PostgreSQL database reached as its owner (the user of `FLOWSENSE_DATABASE_URL`).
#[derive(Clone)]
pub struct PgDatabase {
    url: url::Url,
}

impl std::fmt::Debug for PgDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: only the host and the database name are shown.
        write!(
            f,
            "PgDatabase({}/{})",
            self.url.host_str().unwrap_or("local"),
            self.name()
        )
    }
}

/// A database made on the server for a check, dropped by [`ScratchDatabase::drop_now`].
#[derive(Debug)]
pub struct ScratchDatabase {
    pub database: PgDatabase,
    server: PgDatabase,
}

/// An open read-only transaction whose snapshot `pg_dump --snapshot` can share, with the row
/// count of every table as that snapshot sees it. Keep it until the dump has finished.
pub struct PgSnapshot {
    conn: PgConnection,
    /// The exported snapshot's name (`pg_dump --snapshot=…`).
    pub id: String,
    pub row_counts: BTreeMap<String, i64>,
}

impl PgDatabase {
    /// Parses a `postgres://` (or `postgresql://`) URL.
    ///
    /// # Errors
    /// [`StorageError::Config`] for another scheme or an unparsable URL (the message never
    /// repeats the URL, which may hold a password).
    pub fn parse(url: &str) -> Result<PgDatabase> {
        let parsed = url::Url::parse(url)
            .map_err(|_| StorageError::Config("the PostgreSQL URL cannot be parsed".into()))?;
        if !matches!(parsed.scheme(), "postgres" | "postgresql") {
            return Err(StorageError::Config(
                "a PostgreSQL URL starts with postgres://".into(),
            ));
        }
        sqlx::postgres::PgConnectOptions::from_str(url)
            .map_err(|_| StorageError::Config("the PostgreSQL URL is not valid".into()))?;
        Ok(PgDatabase { url: parsed })
    }

    /// The database's name (the URL's path).
    #[must_use]
    pub fn name(&self) -> &str {
        self.url.path().trim_start_matches('/')
    }

    /// The same server and user, another database.
    #[must_use]
    pub fn with_database(&self, name: &str) -> PgDatabase {
        let mut url = self.url.clone();
        url.set_path(&format!("/{name}"));
        PgDatabase { url }
    }

    /// What `pg_dump` and `pg_restore` are given: the URL without its password or sqlx's own
    /// parameters (for `--dbname`), and the password (for `PGPASSWORD`), if any.
    #[must_use]
    pub fn client_connection(&self) -> (String, Option<String>) {
        let mut url = self.url.clone();
        let password = url.password().map(percent_decode);
        // Infallible for a URL with a host, which every postgres:// URL has.
        let _ = url.set_password(None);
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| !SQLX_ONLY_PARAMETERS.contains(&k.as_ref()))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if kept.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(kept);
        }
        (url.to_string(), password)
    }

    async fn connect(&self) -> Result<PgConnection> {
        let options = sqlx::postgres::PgConnectOptions::from_str(self.url.as_str())
            .map_err(|_| StorageError::Config("the PostgreSQL URL is not valid".into()))?;
        let mut conn = PgConnection::connect_with(&options).await?;
        conn.execute("SET row_security = off").await?;
        Ok(conn)
    }

    /// Refreshes the planner's statistics of `transactions` (as the owner: the pool's role may
    /// not), after a bulk load.
    ///
    /// # Errors
    /// When the database cannot be reached or the statement fails.
    pub(crate) async fn analyze_transactions(&self) -> Result<()> {
        let mut conn = self.connect().await?;
        conn.execute("ANALYZE transactions").await?;
        conn.close().await?;
        Ok(())
    }

    /// The row count of every table in the database's schema (FlowSense's tables and the
    /// migration history).
    ///
    /// # Errors
    /// When the database cannot be reached or read (row security refusing included).
    pub async fn row_counts(&self) -> Result<BTreeMap<String, i64>> {
        let mut conn = self.connect().await?;
        let counts = count_rows(&mut conn).await?;
        conn.close().await?;
        Ok(counts)
    }

    /// Whether the database's schema has no table yet (a restore writes into such a one only).
    ///
    /// # Errors
    /// When the database cannot be reached.
    pub async fn is_empty(&self) -> Result<bool> {
        let mut conn = self.connect().await?;
        let (n,): (i64,) =
            sqlx::query_as("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()")
                .fetch_one(&mut conn)
                .await?;
        conn.close().await?;
        Ok(n == 0)
    }

    /// Exports a snapshot for `pg_dump` and counts every table's rows in it.
    ///
    /// # Errors
    /// When the database cannot be reached or read.
    pub async fn snapshot(&self) -> Result<PgSnapshot> {
        let mut conn = self.connect().await?;
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .await?;
        let (id,): (String,) = sqlx::query_as("SELECT pg_export_snapshot()")
            .fetch_one(&mut conn)
            .await?;
        let row_counts = count_rows(&mut conn).await?;
        Ok(PgSnapshot {
            conn,
            id,
            row_counts,
        })
    }

    /// Makes a new, empty database on the same server (the user needs `CREATEDB`).
    ///
    /// # Errors
    /// When the server refuses (say, without the privilege).
    pub async fn create_scratch(&self, purpose: &str) -> Result<ScratchDatabase> {
        let name = format!("flowsense_{purpose}_{}", uuid::Uuid::new_v4().simple());
        let mut conn = self.connect().await?;
        // The name is made here of ASCII letters, digits and underscores.
        let created = conn
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .await;
        conn.close().await.ok();
        created.map_err(|e| {
            StorageError::Config(format!(
                "a scratch database cannot be made on the PostgreSQL server (the user needs the CREATEDB privilege): {e}"
            ))
        })?;
        Ok(ScratchDatabase {
            database: self.with_database(&name),
            server: self.clone(),
        })
    }

    /// Creates the role row-level security applies to (`flowsense_app`, as the first migration
    /// does) when the server lacks it, so a dump's grants to it can be restored; a user that
    /// may not create roles leaves it to the operator.
    ///
    /// # Errors
    /// When the database cannot be reached.
    pub async fn ensure_app_role(&self) -> Result<()> {
        let mut conn = self.connect().await?;
        conn.execute(
            "DO $$ BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'flowsense_app') THEN
                    CREATE ROLE flowsense_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
                END IF;
            EXCEPTION WHEN insufficient_privilege OR duplicate_object OR unique_violation THEN NULL;
            END $$",
        )
        .await?;
        conn.close().await?;
        Ok(())
    }
}

impl ScratchDatabase {
    /// Drops the scratch database (closing any connection left on it).
    ///
    /// # Errors
    /// When the server refuses.
    pub async fn drop_now(self) -> Result<()> {
        let mut conn = self.server.connect().await?;
        conn.execute(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
            self.database.name()
        )))
        .await?;
        conn.close().await?;
        Ok(())
    }
}

impl PgSnapshot {
    /// Ends the snapshot's transaction (after the dump has read it).
    ///
    /// # Errors
    /// When the connection failed meanwhile.
    pub async fn release(mut self) -> Result<()> {
        self.conn.execute("COMMIT").await?;
        self.conn.close().await?;
        Ok(())
    }
}

impl Store {
    /// The PostgreSQL database this store runs on, as its owner (for backups); `None` on SQLite.
    #[must_use]
    pub fn postgres_database(&self) -> Option<&PgDatabase> {
        self.postgres.as_ref()
    }
}

async fn count_rows(conn: &mut PgConnection) -> Result<BTreeMap<String, i64>> {
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut counts = BTreeMap::new();
    for (table,) in tables {
        // The name comes from the catalog; quoted as an identifier.
        let sql = format!("SELECT count(*) FROM \"{}\"", table.replace('"', "\"\""));
        let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_one(&mut *conn)
            .await?;
        counts.insert(table, n);
    }
    Ok(counts)
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::PgDatabase;

    #[test]
    fn the_client_tools_get_the_url_without_its_password_or_sqlx_parameters() {
        let db = PgDatabase::parse(
            "postgres://fs:p%40ss+w0rd@db.example:5433/books?sslmode=require&statement-cache-capacity=10",
        )
        .expect("parse");
        let (url, password) = db.client_connection();
        assert_eq!(url, "postgres://fs@db.example:5433/books?sslmode=require");
        assert_eq!(password.as_deref(), Some("p@ss+w0rd"));
        assert_eq!(db.name(), "books");
        assert!(!format!("{db:?}").contains("p%40ss"));
        let other = db.with_database("scratch");
        assert_eq!(
            other.client_connection().0,
            "postgres://fs@db.example:5433/scratch?sslmode=require"
        );
        let (url, password) = PgDatabase::parse("postgresql://u@h/d")
            .expect("parse")
            .client_connection();
        assert_eq!((url.as_str(), password), ("postgresql://u@h/d", None));
    }

    #[test]
    fn other_urls_are_refused_without_repeating_them() {
        for bad in ["sqlite://x.db", "not a url", "mysql://u:secret@h/d"] {
            let e = PgDatabase::parse(bad).expect_err(bad).to_string();
            assert!(!e.contains("secret"), "{e}");
        }
    }
}

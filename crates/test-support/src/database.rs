//! A database that lives as long as the test: a SQLite file in a temporary folder, or a
//! PostgreSQL database of its own on the test server, dropped at the end.

use flowsense_storage::{Keyring, OpenOptions, StorageError, Store};
use sqlx::Connection;
use std::path::{Path, PathBuf};

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A migrated, empty database of the test's own, opened with a generated master keyring.
/// Dropping it removes the database (the temporary folder, or the PostgreSQL database).
pub struct TestDb {
    pub store: Store,
    /// The database's URL, for a second pool, a raw connection or a child process.
    pub url: String,
    /// The master keys the store was opened with.
    pub keyring: Keyring,
    backend: Backend,
    _folder: Option<tempfile::TempDir>,
    server_and_name: Option<(String, String)>,
}

impl TestDb {
    /// A fresh database on `backend`.
    ///
    /// # Panics
    /// On PostgreSQL when `FLOWSENSE_TEST_POSTGRES_URL` is unset (check [`crate::postgres_url`]
    /// first), or when the database cannot be made.
    pub async fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => TestDb::sqlite().await,
            Backend::Postgres => {
                let server = crate::postgres_url().expect("FLOWSENSE_TEST_POSTGRES_URL is set");
                TestDb::postgres(&server).await
            }
        }
    }

    /// A SQLite file in a temporary folder.
    ///
    /// # Panics
    /// When the folder or the database cannot be made.
    pub async fn sqlite() -> TestDb {
        let folder = tempfile::tempdir().expect("temp dir");
        let file = folder.path().join("flowsense.db");
        std::fs::copy(sqlite_template().await, &file).expect("copy the migrated template");
        let url = format!("sqlite://{}", file.display());
        let keyring = Keyring::generate().expect("keyring");
        let store = open(&url, &keyring, true).await;
        TestDb {
            store,
            url,
            keyring,
            backend: Backend::Sqlite,
            _folder: Some(folder),
            server_and_name: None,
        }
    }

    /// A new database on the PostgreSQL server at `server` (any database URL on it).
    ///
    /// # Panics
    /// When the server cannot be reached or the database cannot be made.
    pub async fn postgres(server: &str) -> TestDb {
        let name = format!("fs_test_{}", uuid::Uuid::new_v4().simple());
        let template = postgres_template(server).await;
        run_on_server(
            server,
            &format!("CREATE DATABASE {name} TEMPLATE {template}"),
        )
        .await;
        let url = replace_database(server, &name);
        let keyring = Keyring::generate().expect("keyring");
        let store = open(&url, &keyring, false).await;
        TestDb {
            store,
            url,
            keyring,
            backend: Backend::Postgres,
            _folder: None,
            server_and_name: Some((server.to_owned(), name)),
        }
    }

    #[must_use]
    pub fn backend(&self) -> Backend {
        self.backend
    }

    #[must_use]
    pub fn is_sqlite(&self) -> bool {
        self.backend == Backend::Sqlite
    }

    /// Opens the same database again with `keyring` (the current store stays usable).
    ///
    /// # Errors
    /// What [`Store::open`] refuses (say, a wrong master key).
    pub async fn open_with(&self, keyring: Option<Keyring>) -> Result<Store, StorageError> {
        let options = OpenOptions {
            keyring,
            ..OpenOptions::default()
        };
        Store::open(&self.url, &options).await
    }

    /// Another store (another pool) on the same database with the same keys, as a second
    /// instance would have.
    ///
    /// # Panics
    /// When the database cannot be opened again.
    pub async fn reopen(&self) -> Store {
        self.open_with(Some(self.keyring.clone()))
            .await
            .expect("reopen the test database")
    }

    /// Runs `statement` on a connection of its own, around the store (as someone holding the
    /// database would), and returns the rows it affected.
    ///
    /// # Panics
    /// When the statement fails.
    #[expect(
        clippy::disallowed_methods,
        reason = "a test reaches around the store on purpose, to set up what the store would refuse"
    )]
    pub async fn execute_raw(&self, statement: &str) -> u64 {
        let statement = sqlx::AssertSqlSafe(statement.to_owned());
        let done = match self.backend {
            Backend::Sqlite => {
                let mut connection = sqlx::SqliteConnection::connect(&self.url)
                    .await
                    .expect("a raw SQLite connection");
                sqlx::query(statement)
                    .execute(&mut connection)
                    .await
                    .map(|done| done.rows_affected())
            }
            Backend::Postgres => {
                let mut connection = sqlx::PgConnection::connect(&self.url)
                    .await
                    .expect("a raw PostgreSQL connection");
                sqlx::query(statement)
                    .execute(&mut connection)
                    .await
                    .map(|done| done.rows_affected())
            }
        };
        done.expect("the raw statement")
    }

    /// The SQLite database file and its WAL, when on SQLite.
    #[must_use]
    pub fn sqlite_files(&self) -> Vec<PathBuf> {
        let Some(path) = self.url.strip_prefix("sqlite://") else {
            return Vec::new();
        };
        vec![path.into(), format!("{path}-wal").into()]
    }
}

/// An empty PostgreSQL database of the test's own (no migrations run), dropped at the end: a
/// target for restores.
pub struct EmptyPgDb {
    pub url: String,
    server_and_name: Option<(String, String)>,
}

impl EmptyPgDb {
    /// A new, empty database on the PostgreSQL server at `server`.
    ///
    /// # Panics
    /// When the server cannot be reached or the database cannot be made.
    pub async fn new(server: &str) -> EmptyPgDb {
        let name = format!("fs_empty_{}", uuid::Uuid::new_v4().simple());
        run_on_server(server, &format!("CREATE DATABASE {name}")).await;
        EmptyPgDb {
            url: replace_database(server, &name),
            server_and_name: Some((server.to_owned(), name)),
        }
    }
}

impl Drop for EmptyPgDb {
    fn drop(&mut self) {
        drop_database(self.server_and_name.take());
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        drop_database(self.server_and_name.take());
    }
}

fn drop_database(server_and_name: Option<(String, String)>) {
    {
        if let Some((server, name)) = server_and_name {
            // Best effort, on a runtime of its own (the test's may be gone): a leftover test
            // database is harmless.
            let _ = std::thread::spawn(move || {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime")
                    .block_on(run_on_server(
                        &server,
                        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                    ));
            })
            .join();
        }
    }
}

/// A migrated, empty SQLite database file for this build's migrations, made once and kept in
/// the system's temporary folder (named by [`Store::migrations_fingerprint`], so a change to the
/// migrations makes a new one): each test copies it rather than migrate its own.
async fn sqlite_template() -> &'static Path {
    static TEMPLATE: tokio::sync::OnceCell<PathBuf> = tokio::sync::OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let folder = std::env::temp_dir().join("flowsense-test-templates");
            std::fs::create_dir_all(&folder).expect("the templates' folder");
            let fingerprint = Store::migrations_fingerprint(flowsense_storage::Backend::Sqlite);
            let template = folder.join(format!("sqlite-{fingerprint}.db"));
            if !template.exists() {
                // Migrated in a folder of its own, then written whole beside the template and
                // renamed onto it: a process racing to do the same renames the same content.
                let scratch = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}/migrated.db", scratch.path().display());
                let options = OpenOptions {
                    create_if_missing: true,
                    ..OpenOptions::default()
                };
                Store::open(&url, &options)
                    .await
                    .expect("migrate the template")
                    .close()
                    .await;
                let written = folder.join(format!("sqlite-{fingerprint}.{}", uuid::Uuid::new_v4()));
                vacuum_into(&url, &written).await;
                std::fs::rename(&written, &template).expect("the template in place");
            }
            template
        })
        .await
}

/// `VACUUM INTO`: the database at `url` written whole, WAL folded in, to the new file `into`.
#[expect(
    clippy::disallowed_methods,
    reason = "copying a test database file is administration, not application SQL"
)]
async fn vacuum_into(url: &str, into: &Path) {
    let mut connection = sqlx::SqliteConnection::connect(url)
        .await
        .expect("a raw SQLite connection");
    let into = into
        .to_str()
        .expect("a UTF-8 temporary path")
        .replace('\'', "''");
    sqlx::query(sqlx::AssertSqlSafe(format!("VACUUM INTO '{into}'")))
        .execute(&mut connection)
        .await
        .expect("VACUUM INTO");
    connection.close().await.ok();
}

/// The migrated, empty PostgreSQL database that each test's database is created from
/// (`CREATE DATABASE … TEMPLATE`), made on the server once for this build's migrations (named
/// by [`Store::migrations_fingerprint`]; templates of other migrations are dropped then). An
/// advisory lock keeps test processes that start together from making it twice. The template
/// is ready once it accepts no connections (its last step): PostgreSQL copies only an idle
/// database, and one left half-made by a stopped run still accepts them, so it is made again.
async fn postgres_template(server: &str) -> &'static str {
    static TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| make_postgres_template(server))
        .await
}

/// [`postgres_template`]'s work, once per process (every test database of a process lives on
/// the one server `FLOWSENSE_TEST_POSTGRES_URL` names).
#[expect(
    clippy::disallowed_methods,
    reason = "creating test databases is administration, not application SQL"
)]
async fn make_postgres_template(server: &str) -> String {
    const LOCK: i64 = 0x666c_6f77_7365_6e73; // "flowsens"
    let fingerprint = Store::migrations_fingerprint(flowsense_storage::Backend::Postgres);
    let template = format!("fs_template_{fingerprint}");
    let exists = async |admin: &mut sqlx::PgConnection| -> bool {
        sqlx::query_scalar::<_, i32>(
            "SELECT 1 FROM pg_database WHERE datname = $1 AND NOT datallowconn",
        )
        .bind(&template)
        .fetch_optional(admin)
        .await
        .expect("look for the template database")
        .is_some()
    };
    let mut admin = sqlx::PgConnection::connect(server)
        .await
        .expect("connect to the PostgreSQL test server");
    if exists(&mut admin).await {
        admin.close().await.ok();
        return template;
    }
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(LOCK)
        .execute(&mut admin)
        .await
        .expect("the template lock");
    if !exists(&mut admin).await {
        let stale: Vec<String> = sqlx::query_scalar(
            "SELECT datname FROM pg_database WHERE datname LIKE 'fs\\_template\\_%'",
        )
        .fetch_all(&mut admin)
        .await
        .expect("list old templates");
        for old in stale {
            run_on(
                &mut admin,
                &format!("DROP DATABASE IF EXISTS {old} WITH (FORCE)"),
            )
            .await;
        }
        run_on(&mut admin, &format!("CREATE DATABASE {template}")).await;
        Store::open(
            &replace_database(server, &template),
            &OpenOptions::default(),
        )
        .await
        .expect("migrate the template")
        .close()
        .await;
        run_on(
            &mut admin,
            &format!("ALTER DATABASE {template} WITH ALLOW_CONNECTIONS false"),
        )
        .await;
    }
    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(LOCK)
        .execute(&mut admin)
        .await
        .expect("release the template lock");
    admin.close().await.ok();
    template
}

async fn open(url: &str, keyring: &Keyring, create_if_missing: bool) -> Store {
    let options = OpenOptions {
        create_if_missing,
        keyring: Some(keyring.clone()),
        ..OpenOptions::default()
    };
    Store::open(url, &options)
        .await
        .expect("open the test database")
}

/// Runs one administrative statement (create or drop a database) on the test server.
async fn run_on_server(server: &str, statement: &str) {
    let mut admin = sqlx::PgConnection::connect(server)
        .await
        .expect("connect to the PostgreSQL test server");
    run_on(&mut admin, statement).await;
    admin.close().await.ok();
}

/// Runs one administrative statement on an open connection to the test server.
#[expect(
    clippy::disallowed_methods,
    reason = "creating and dropping test databases is administration, not application SQL"
)]
async fn run_on(admin: &mut sqlx::PgConnection, statement: &str) {
    sqlx::query(sqlx::AssertSqlSafe(statement.to_owned()))
        .execute(admin)
        .await
        .expect(statement);
}

/// `postgres://u@h:p/db?x` with its database replaced by `database`.
fn replace_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{database}?{query}"),
        None => format!("{base}/{database}"),
    }
}

#[cfg(test)]
mod tests {
    use super::replace_database;

    #[test]
    fn the_database_in_a_url_is_replaced_and_its_options_kept() {
        assert_eq!(
            replace_database("postgres://postgres@127.0.0.1:5432/test", "fs_test_1"),
            "postgres://postgres@127.0.0.1:5432/fs_test_1"
        );
        assert_eq!(
            replace_database("postgres://u@h/test?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
        assert_eq!(replace_database("postgres://u@h", "x"), "postgres://u@h/x");
    }
}

#![allow(clippy::unwrap_used)]
//! Test databases: a fresh SQLite file, or a freshly created PostgreSQL database, per test.

#![allow(dead_code)]

pub mod sealed;

use flowsense_storage::{Keyring, OpenOptions, StorageError, Store};
use sqlx::Connection;

/// The PostgreSQL server tests use, from `FLOWSENSE_TEST_POSTGRES_URL`.
pub fn postgres_url() -> Option<String> {
    std::env::var("FLOWSENSE_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// Prints a loud notice that the PostgreSQL half of a test did not run.
pub fn announce_postgres_skipped(test: &str) {
    eprintln!(
        "SKIPPED (PostgreSQL): {test} — set FLOWSENSE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test to run it"
    );
}

/// A store plus whatever keeps its database alive; dropping it removes the database.
pub struct TestDb {
    pub store: Store,
    pub url: String,
    /// The master keys the store was opened with.
    pub keyring: Keyring,
    _dir: Option<tempfile::TempDir>,
    pg_admin: Option<(String, String)>,
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}/flowsense.db", dir.path().display());
        let keyring = Keyring::generate().expect("keyring");
        let store = Store::open(
            &url,
            &OpenOptions {
                create_if_missing: true,
                keyring: Some(keyring.clone()),
                ..OpenOptions::default()
            },
        )
        .await
        .expect("open sqlite");
        TestDb {
            store,
            url,
            keyring,
            _dir: Some(dir),
            pg_admin: None,
        }
    }

    /// A new, empty PostgreSQL database on the test server, migrated.
    pub async fn postgres(admin_url: &str) -> TestDb {
        let name = format!("fs_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(admin_url)
            .await
            .expect("connect to the PostgreSQL test server");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .expect("create test database");
        admin.close().await.ok();
        let url = replace_database(admin_url, &name);
        let keyring = Keyring::generate().expect("keyring");
        let store = Store::open(
            &url,
            &OpenOptions {
                keyring: Some(keyring.clone()),
                ..OpenOptions::default()
            },
        )
        .await
        .expect("open postgres");
        TestDb {
            store,
            url,
            keyring,
            _dir: None,
            pg_admin: Some((admin_url.to_owned(), name)),
        }
    }
}

impl TestDb {
    /// Opens the same database again with `keyring` (the current store stays usable).
    pub async fn open_with(&self, keyring: Option<Keyring>) -> Result<Store, StorageError> {
        Store::open(
            &self.url,
            &OpenOptions {
                keyring,
                ..OpenOptions::default()
            },
        )
        .await
    }

    pub fn is_sqlite(&self) -> bool {
        self.url.starts_with("sqlite:")
    }

    /// The SQLite database file (and its WAL), when on SQLite.
    pub fn sqlite_files(&self) -> Vec<std::path::PathBuf> {
        let Some(path) = self.url.strip_prefix("sqlite://") else {
            return Vec::new();
        };
        vec![path.into(), format!("{path}-wal").into()]
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.pg_admin.take() {
            // Best effort: a leftover test database is harmless.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async move {
                    if let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await {
                        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                        )))
                        .execute(&mut admin)
                        .await;
                    }
                });
            })
            .join();
        }
    }
}

/// `postgres://u@h:p/db?x` with its database replaced.
pub fn replace_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{db}?{q}"),
        None => format!("{base}/{db}"),
    }
}

/// Runs one async test body against SQLite and, when configured, PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = $crate::support::TestDb::sqlite().await;
                    super::$name(&db).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(url) = $crate::support::postgres_url() else {
                        $crate::support::announce_postgres_skipped(stringify!($name));
                        return;
                    };
                    let db = $crate::support::TestDb::postgres(&url).await;
                    super::$name(&db).await;
                }
            )*
        }
    };
}

//! What every test here stands on: a database of its own per test, and a services context over
//! it with a real mailer writing into a temporary outbox.

use flowsense_mail::FileMailer;
use flowsense_service::identity::crypto::InstanceKey;
use flowsense_service::identity::limits::RateLimits;
use flowsense_service::{Context, ContextSettings};
use flowsense_storage::{Keyring, OpenOptions, Store};
use sqlx::Connection;
use std::sync::Arc;

/// Runs `$test(&Store)` as two tests: on SQLite, and on PostgreSQL when
/// `FLOWSENSE_TEST_POSTGRES_URL` is set (printing `SKIPPED (PostgreSQL)` otherwise).
#[macro_export]
macro_rules! on_both_backends {
    ($test:ident) => {
        mod $test {
            #[tokio::test]
            async fn on_sqlite() {
                let db = $crate::support::Database::sqlite().await;
                super::$test(&db.store).await;
            }

            #[tokio::test]
            async fn on_postgres() {
                let Some(server) = $crate::support::postgres_server() else {
                    eprintln!(
                        "SKIPPED (PostgreSQL): {} — set FLOWSENSE_TEST_POSTGRES_URL",
                        stringify!($test)
                    );
                    return;
                };
                let db = $crate::support::Database::postgres(&server).await;
                super::$test(&db.store).await;
            }
        }
    };
}

/// The PostgreSQL server tests may create databases on, if one is configured.
pub(crate) fn postgres_server() -> Option<String> {
    std::env::var("FLOWSENSE_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// A services context over `store`, as a worker builds one: a fresh instance key, an outbox in
/// `outbox`, limits nobody reaches.
pub(crate) fn context(store: &Store, outbox: &std::path::Path) -> Context {
    let mailer = FileMailer::new(outbox, "FlowSense <noreply@flowsense.test>").expect("outbox");
    let settings = ContextSettings {
        limits: RateLimits::generous(),
        hash_concurrency: 1,
        ..ContextSettings::new("http://flowsense.test")
    };
    Context::new(
        store.clone(),
        InstanceKey::generate(),
        Arc::new(mailer),
        &settings,
    )
    .expect("context")
}

/// A database that lives as long as the test: a SQLite file in a temporary folder, or a
/// PostgreSQL database of its own, dropped at the end.
pub(crate) struct Database {
    pub(crate) store: Store,
    _folder: tempfile::TempDir,
    postgres_server_and_name: Option<(String, String)>,
}

impl Database {
    pub(crate) async fn sqlite() -> Database {
        let folder = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}/flowsense.db", folder.path().display());
        Database {
            store: open(&url, true).await,
            _folder: folder,
            postgres_server_and_name: None,
        }
    }

    pub(crate) async fn postgres(server: &str) -> Database {
        let name = format!("fs_service_{}", uuid::Uuid::new_v4().simple());
        run_on_server(server, &format!("CREATE DATABASE {name}")).await;
        let (base, query) = server.split_once('?').unwrap_or((server, ""));
        let host = base.rsplit_once('/').map_or(base, |(host, _)| host);
        let url = if query.is_empty() {
            format!("{host}/{name}")
        } else {
            format!("{host}/{name}?{query}")
        };
        Database {
            store: open(&url, false).await,
            _folder: tempfile::tempdir().expect("temp dir"),
            postgres_server_and_name: Some((server.to_owned(), name)),
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Some((server, name)) = self.postgres_server_and_name.take() {
            // Best effort, on a runtime of its own: a leftover test database is harmless.
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

async fn open(url: &str, create_if_missing: bool) -> Store {
    let options = OpenOptions {
        create_if_missing,
        keyring: Some(Keyring::generate().expect("keyring")),
        ..OpenOptions::default()
    };
    Store::open(url, &options).await.expect("open the store")
}

async fn run_on_server(server: &str, statement: &str) {
    let mut admin = sqlx::PgConnection::connect(server)
        .await
        .expect("connect to the PostgreSQL test server");
    sqlx::query(sqlx::AssertSqlSafe(statement.to_owned()))
        .execute(&mut admin)
        .await
        .expect(statement);
    admin.close().await.ok();
}

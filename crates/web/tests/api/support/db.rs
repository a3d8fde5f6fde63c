//! A fresh database per test: a temp SQLite file, or a new PostgreSQL database.

use flowsense_storage::{Keyring, OpenOptions, Store};
use sqlx::Connection;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

pub fn postgres_url() -> Option<String> {
    std::env::var("FLOWSENSE_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// Keeps a test database alive; dropping it removes the database.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg_admin: Option<(String, String)>,
}

impl TestDb {
    pub(crate) async fn new(db: Db) -> (TestDb, Store) {
        match db {
            Db::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}/flowsense.db", dir.path().display());
                let store = Store::open(
                    &url,
                    &OpenOptions {
                        create_if_missing: true,
                        keyring: Some(Keyring::generate().expect("keyring")),
                        ..OpenOptions::default()
                    },
                )
                .await
                .expect("open sqlite");
                (
                    TestDb {
                        url,
                        _dir: Some(dir),
                        pg_admin: None,
                    },
                    store,
                )
            }
            Db::Postgres => {
                let admin_url = postgres_url().expect("FLOWSENSE_TEST_POSTGRES_URL");
                let name = format!("fs_web_{}", uuid::Uuid::new_v4().simple());
                let mut admin = sqlx::PgConnection::connect(&admin_url)
                    .await
                    .expect("connect");
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut admin)
                    .await
                    .expect("create database");
                admin.close().await.ok();
                let url = replace_database(&admin_url, &name);
                let store = Store::open(
                    &url,
                    &OpenOptions {
                        keyring: Some(Keyring::generate().expect("keyring")),
                        ..OpenOptions::default()
                    },
                )
                .await
                .expect("open postgres");
                (
                    TestDb {
                        url,
                        _dir: None,
                        pg_admin: Some((admin_url, name)),
                    },
                    store,
                )
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.pg_admin.take() {
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("rt");
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

fn replace_database(url: &str, db: &str) -> String {
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

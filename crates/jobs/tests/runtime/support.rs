//! A fresh database per test (a temporary SQLite file, or a new PostgreSQL database on the
//! server named by `FLOWSENSE_TEST_POSTGRES_URL`), and the job kinds the tests register.

use chrono::{TimeDelta, Utc};
use flowsense_core::clock::Clock;
use flowsense_jobs::{Job, JobError, Registry};
use flowsense_storage::{OpenOptions, Store};
use sqlx::Connection;
use std::sync::Arc;

/// What a handler records for every job it finishes: a job of this kind carrying the finished
/// job's idempotency key (or id), never due, so "exactly once" can be counted in the database.
pub const DONE: &str = "test.done";

pub struct TestDb {
    pub store: Store,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg_admin: Option<(String, String)>,
}

pub fn postgres_url() -> Option<String> {
    std::env::var("FLOWSENSE_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}/flowsense.db", dir.path().display());
        let options = OpenOptions {
            create_if_missing: true,
            ..OpenOptions::default()
        };
        let store = Store::open(&url, &options).await.expect("open sqlite");
        TestDb {
            store,
            url,
            _dir: Some(dir),
            pg_admin: None,
        }
    }

    pub async fn postgres(admin_url: &str) -> TestDb {
        let name = format!("fs_jobs_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(admin_url)
            .await
            .expect("connect to PostgreSQL");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .expect("create test database");
        admin.close().await.ok();
        let url = match admin_url.rsplit_once('/') {
            Some((base, _)) => format!("{base}/{name}"),
            None => panic!("the PostgreSQL URL names no database"),
        };
        let store = Store::open(&url, &OpenOptions::default())
            .await
            .expect("open postgres");
        TestDb {
            store,
            url,
            _dir: None,
            pg_admin: Some((admin_url.to_owned(), name)),
        }
    }

    /// Another store (another pool) on the same database, as a second instance would have.
    pub async fn reopen(&self) -> Store {
        Store::open(&self.url, &OpenOptions::default())
            .await
            .expect("reopen")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.pg_admin.take() {
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async move {
                    if let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await {
                        let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                        let _ = sqlx::query(sqlx::AssertSqlSafe(drop))
                            .execute(&mut admin)
                            .await;
                    }
                });
            })
            .join();
        }
    }
}

/// Records that `job` finished (see [`DONE`]).
pub async fn record_done(
    store: &Store,
    job: &Job,
    now: chrono::DateTime<Utc>,
) -> Result<(), JobError> {
    let what = job
        .idempotency_key
        .clone()
        .unwrap_or_else(|| job.id.to_string());
    let record = flowsense_storage::NewJob {
        kind: DONE.into(),
        org: job.org,
        payload: serde_json::json!({ "done": what }).to_string(),
        idempotency_key: None,
        run_at: now + TimeDelta::days(36_500),
        max_attempts: 1,
    };
    store
        .enqueue_job(&record, now)
        .await
        .map(|_| ())
        .map_err(|_| JobError::retry("could not record"))
}

/// What has been recorded as done, one entry per completion (duplicates kept).
pub async fn done(store: &Store) -> Vec<String> {
    let mut done: Vec<String> = store
        .list_jobs_across_orgs(None, Some(DONE), 1_000)
        .await
        .expect("list")
        .into_iter()
        .map(|j| {
            let v: serde_json::Value = serde_json::from_str(&j.payload).expect("json");
            v["done"].as_str().expect("done").to_owned()
        })
        .collect();
    done.sort();
    done
}

/// Registers `kind`, whose handler records its completion.
pub fn register_recording(
    registry: &mut Registry,
    kind: &str,
    options: flowsense_jobs::KindOptions,
    store: &Store,
    clock: &Arc<dyn Clock>,
) {
    let (store, clock) = (store.clone(), clock.clone());
    registry.register(kind, options, move |job: Job| {
        let (store, clock) = (store.clone(), clock.clone());
        async move { record_done(&store, &job, clock.now()).await }
    });
}

/// Runs one async test body on SQLite and, when configured, on PostgreSQL.
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
                        eprintln!("SKIPPED (PostgreSQL): {} — set FLOWSENSE_TEST_POSTGRES_URL", stringify!($name));
                        return;
                    };
                    let db = $crate::support::TestDb::postgres(&url).await;
                    super::$name(&db).await;
                }
            )*
        }
    };
}

//! A sync worker killed with SIGKILL: the worker is this test binary run again as a child
//! (`--exact killed_worker::child_sync_worker --ignored`), told through one environment
//! variable which connection to sync against which fake (QuickBooks or Xero), over a SQLite
//! file both processes open. The parent kills it part way and checks what was committed.

use flowsense_core::OrgId;
use flowsense_core::clock::{Clock, ManualClock};
use flowsense_service::Providers;
use flowsense_service::sync::sync_connection;
use flowsense_storage::{Keyring, OpenOptions, Store};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use uuid::Uuid;

const CHILD_VARIABLE: &str = "FLOWSENSE_SYNC_CHILD";

/// Which provider's client the child builds.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChildProvider {
    QuickBooks,
    Xero,
}

/// What the child syncs, and where.
#[derive(Debug, Serialize, Deserialize)]
pub struct ChildOrders {
    pub provider: ChildProvider,
    pub database_url: String,
    pub key_file: String,
    /// The fake's base URL (QuickBooks) or origin (Xero).
    pub fake_base: String,
    pub client_id: String,
    pub client_secret: String,
    pub org: Uuid,
    pub connection: Uuid,
}

/// A SQLite store in a file, with its key file, that a child process can open too.
pub struct FileStore {
    pub store: Store,
    pub url: String,
    pub key_file: PathBuf,
    _folder: tempfile::TempDir,
}

async fn open(url: &str, key_file: &std::path::Path, create: bool) -> Store {
    let keyring = Keyring::load_or_create(key_file).expect("keyring");
    let options = OpenOptions {
        create_if_missing: create,
        keyring: Some(keyring),
        ..OpenOptions::default()
    };
    Store::open(url, &options).await.expect("store")
}

/// A fresh SQLite file store.
pub async fn file_store() -> FileStore {
    let folder = tempfile::tempdir().expect("folder");
    let url = format!("sqlite://{}/flowsense.db", folder.path().display());
    let key_file = folder.path().join("master.key");
    let store = open(&url, &key_file, true).await;
    FileStore {
        store,
        url,
        key_file,
        _folder: folder,
    }
}

/// Run only as the child of a kill test: syncs the connection it is told to, until killed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by the kill -9 tests of sync and xero"]
async fn child_sync_worker() {
    #[expect(
        clippy::disallowed_methods,
        reason = "the parent test's orders to its child"
    )]
    let Ok(orders) = std::env::var(CHILD_VARIABLE) else {
        return;
    };
    let orders: ChildOrders = serde_json::from_str(&orders).expect("orders");
    let store = open(&orders.database_url, orders.key_file.as_ref(), false).await;
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(crate::sync::support::start_time()));
    let providers = match orders.provider {
        ChildProvider::QuickBooks => Providers {
            quickbooks: Some(Arc::new(crate::sync::support::client(
                &orders.fake_base,
                &orders.client_id,
                &orders.client_secret,
                clock.clone(),
                crate::sync::support::quick_retries(),
            ))),
            ..Providers::default()
        },
        ChildProvider::Xero => Providers {
            xero: Some(Arc::new(crate::xero::support::client(
                &orders.fake_base,
                &orders.client_id,
                &orders.client_secret,
                clock.clone(),
            ))),
            ..Providers::default()
        },
    };
    let outbox = tempfile::tempdir().expect("outbox");
    let ctx = crate::support::context(&store, outbox.path())
        .with_clock(clock)
        .with_providers(providers);
    sync_connection(&ctx, OrgId(orders.org), orders.connection)
        .await
        .expect("child sync");
}

/// Starts a child worker on `orders` and kills it with SIGKILL once `movements()` (what the
/// store holds) reaches `at_least`, or after 30 s. Returns the movements held after the kill.
///
/// # Panics
/// When the child finished on its own (the sync was not killed part way).
pub async fn kill_mid_sync<F, Fut>(orders: &ChildOrders, at_least: i64, movements: F) -> i64
where
    F: Fn() -> Fut,
    Fut: Future<Output = i64>,
{
    let mut child = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "killed_worker::child_sync_worker",
            "--ignored",
            "--nocapture",
        ])
        .env(
            CHILD_VARIABLE,
            serde_json::to_string(orders).expect("orders"),
        )
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("child worker");
    for _ in 0..600 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        if movements().await >= at_least {
            break;
        }
    }
    // SIGKILL: no destructor, no rollback but the database's own.
    child.kill().expect("kill -9");
    let status = child.wait().expect("reaped");
    assert!(!status.success(), "the child was killed, not finished");
    movements().await
}

//! A worker killed with SIGKILL in the middle of a backfill, then the sync finished in this
//! process: exact counts, nothing lost, nothing doubled. The worker is this test binary run
//! again as a child (`--exact sync::kill::child_sync_worker --ignored`), told what to do
//! through one environment variable.

use super::support::{REDIRECT, books, client, expected, quick_retries, start_time};
use flowsense_core::clock::{Clock, ManualClock};
use flowsense_fakes::{FakeConfig, QuickBooksFake};
use flowsense_service::Providers;
use flowsense_service::sync::sync_connection;
use flowsense_storage::{Keyring, OpenOptions, Store};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use uuid::Uuid;

const CHILD_VARIABLE: &str = "FLOWSENSE_SYNC_CHILD";

#[derive(Serialize, Deserialize)]
struct ChildOrders {
    database_url: String,
    key_file: String,
    fake_base: String,
    client_id: String,
    client_secret: String,
    org: Uuid,
    connection: Uuid,
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

/// Run only as the child of the test below: syncs the connection it is told to, until killed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by sync::kill::a_worker_killed_mid_backfill_resumes_with_exact_counts"]
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
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(start_time()));
    let qb = client(
        &orders.fake_base,
        &orders.client_id,
        &orders.client_secret,
        clock.clone(),
        quick_retries(),
    );
    let outbox = tempfile::tempdir().expect("outbox");
    let ctx = crate::support::context(&store, outbox.path())
        .with_clock(clock)
        .with_providers(Providers {
            quickbooks: Some(Arc::new(qb)),
            ..Providers::default()
        });
    let org = flowsense_core::OrgId(orders.org);
    sync_connection(&ctx, org, orders.connection)
        .await
        .expect("child sync");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_backfill_resumes_with_exact_counts() {
    let folder = tempfile::tempdir().expect("folder");
    let url = format!("sqlite://{}/flowsense.db", folder.path().display());
    let key_file = folder.path().join("master.key");
    let store = open(&url, &key_file, true).await;
    let books = books(20_000);
    let clock = Arc::new(ManualClock::new(start_time()));
    let fake = QuickBooksFake::start(
        &books,
        FakeConfig {
            redirect_uris: vec![REDIRECT.to_owned()],
            ..FakeConfig::default()
        },
        clock.clone(),
    )
    .await
    .expect("fake");
    let qb = Arc::new(client(
        &fake.base_url(),
        &fake.config().client_id,
        &fake.config().client_secret,
        clock.clone(),
        quick_retries(),
    ));
    let outbox = tempfile::tempdir().expect("outbox");
    let ctx = crate::support::context(&store, outbox.path())
        .with_clock(clock.clone())
        .with_providers(Providers {
            quickbooks: Some(qb.clone()),
            ..Providers::default()
        });
    let org = super::support::org(&store, "killed").await;
    let (connection, realm) = super::support::connect(&ctx, &qb, org).await;
    let movements = || async {
        let (per_account, _) = super::support::stored_for(&ctx, org, connection).await;
        per_account.values().map(|v| v.0).sum::<i64>()
    };

    let orders = ChildOrders {
        database_url: url.clone(),
        key_file: key_file.display().to_string(),
        fake_base: fake.base_url(),
        client_id: fake.config().client_id.clone(),
        client_secret: fake.config().client_secret.clone(),
        org: org.0,
        connection,
    };
    let mut child = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "sync::kill::child_sync_worker",
            "--ignored",
            "--nocapture",
        ])
        .env(
            CHILD_VARIABLE,
            serde_json::to_string(&orders).expect("orders"),
        )
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("child worker");
    let (want, documents) = expected(&fake);
    let total: i64 = want.values().map(|v| v.0).sum();
    let mut seen = 0;
    for _ in 0..600 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        seen = movements().await;
        if seen >= total / 3 {
            break;
        }
    }
    // SIGKILL: no destructor, no rollback but the database's own.
    child.kill().expect("kill -9");
    let status = child.wait().expect("reaped");
    assert!(!status.success(), "the child was killed, not finished");
    let at_kill = movements().await;
    assert!(
        at_kill > 0 && at_kill < total,
        "killed mid-backfill: {at_kill} of {total} (seen {seen})"
    );
    let cursor = store.sync_state(org, connection).await.expect("s").cursor;
    assert!(
        cursor.as_deref().is_some_and(|c| c.contains("backfill")),
        "{cursor:?}"
    );

    let report = sync_connection(&ctx, org, connection)
        .await
        .expect("resume");
    assert!(report.counts.movements > 0);
    assert_eq!(
        super::support::stored_for(&ctx, org, connection).await,
        (want, documents)
    );
    println!(
        "killed at {at_kill} of {total} movements; resumed with {} requests for realm {realm}",
        report.requests
    );
}

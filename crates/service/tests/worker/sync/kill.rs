//! A worker killed with SIGKILL in the middle of a QuickBooks backfill, then the sync finished
//! in this process: exact counts, nothing lost, nothing doubled.

use super::support::{REDIRECT, books, client, expected, quick_retries, start_time};
use crate::killed_worker::{ChildOrders, ChildProvider, file_store, kill_mid_sync};
use flowsense_core::clock::ManualClock;
use flowsense_fakes::{FakeConfig, QuickBooksFake};
use flowsense_service::Providers;
use flowsense_service::sync::sync_connection;
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_backfill_resumes_with_exact_counts() {
    let file = file_store().await;
    let store = &file.store;
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
    let ctx = crate::support::context(store, outbox.path())
        .with_clock(clock.clone())
        .with_providers(Providers {
            quickbooks: Some(qb.clone()),
            ..Providers::default()
        });
    let org = super::support::org(store, "killed").await;
    let (connection, realm) = super::support::connect(&ctx, &qb, org).await;
    let movements = || async {
        let (per_account, _) = super::support::stored_for(&ctx, org, connection).await;
        per_account.values().map(|v| v.0).sum::<i64>()
    };

    let orders = ChildOrders {
        provider: ChildProvider::QuickBooks,
        database_url: file.url.clone(),
        key_file: file.key_file.display().to_string(),
        fake_base: fake.base_url(),
        client_id: fake.config().client_id.clone(),
        client_secret: fake.config().client_secret.clone(),
        org: org.0,
        connection,
    };
    let (want, documents) = expected(&fake);
    let total: i64 = want.values().map(|v| v.0).sum();
    let at_kill = kill_mid_sync(&orders, total / 3, movements).await;
    assert!(
        at_kill > 0 && at_kill < total,
        "killed mid-backfill: {at_kill} of {total}"
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

//! A backfill of over 50,000 bank and card movements through the sync job: exact per-account
//! counts and sums against the fake's books, the fewest requests paging allows, and a second
//! sync that finds nothing to change. (The generated coffee roaster takes most sales through a
//! clearing account, an `Other Current Asset` in QuickBooks and not a money account, so 165,000
//! generated transactions give the 50,000 movements in bank and card accounts.)

use super::support::{books, expected, paging_minimum, quick_retries, stored, sync_env};
use flowsense_fakes::FakeConfig;
use flowsense_jobs::{Worker, WorkerConfig};
use flowsense_service::background::registry;
use flowsense_service::sync::{self, sync_connection};
use flowsense_storage::{JobState, Store};
use std::sync::Arc;

async fn a_backfill_of_50_000_transactions_matches_the_books_exactly(store: &Store) {
    let books = books(165_000);
    let env = sync_env(store, &books, FakeConfig::default(), quick_retries()).await;
    let job = sync::enqueue(&env.ctx, env.org, env.connection, "connect")
        .await
        .expect("enqueue");
    let again = sync::enqueue(&env.ctx, env.org, env.connection, "webhook")
        .await
        .expect("enqueue again");
    assert_eq!(job, again, "one queued sync per connection");
    let worker = Worker::new(
        store.clone(),
        Arc::new(registry(&env.ctx)),
        env.ctx.clock.clone(),
        WorkerConfig::new(1, 0),
    );
    let before = env.fake.request_count();
    let started = std::time::Instant::now();
    assert_eq!(worker.run_once().await.expect("run"), 1);
    let elapsed = started.elapsed();
    let record = store.job_across_orgs(job).await.expect("job");
    assert_eq!(record.state, JobState::Succeeded, "{:?}", record.last_error);
    let requests = env.fake.request_count() - before;

    let (want, documents) = expected(&env.fake);
    let (got, stored_documents) = stored(&env).await;
    assert_eq!(got, want);
    assert_eq!(stored_documents, documents);
    let lines: i64 = got.values().map(|v| v.0).sum();
    assert!(lines >= 50_000, "{lines} movements");
    let minimum = paging_minimum(&env.fake);
    assert_eq!(requests, minimum, "one token refresh or re-read too many");
    let state = store
        .sync_state(env.org, env.connection)
        .await
        .expect("state");
    assert_eq!(state.status, "active");
    assert!(state.last_error.is_none());
    assert!(state.synced_rows >= lines);
    println!(
        "sync backfill ({:?}): {} generated transactions, {lines} movements in bank and card accounts, {documents} documents, {requests} requests (paging minimum {minimum}), {elapsed:.2?}",
        store.backend(),
        books.transactions.len()
    );

    // Incremental right after: the chart and one CDC request, nothing changed.
    let report = sync_connection(&env.ctx, env.org, env.connection)
        .await
        .expect("incremental");
    assert_eq!(report.counts.total(), 0, "{report:?}");
    assert_eq!(report.requests, 2);
    assert_eq!(stored(&env).await, (want, documents));
}

crate::on_both_backends!(a_backfill_of_50_000_transactions_matches_the_books_exactly);

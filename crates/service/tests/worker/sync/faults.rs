//! A 429 storm, 500s and timeouts: the sync job waits as asked, retries, and completes with
//! exact counts.

use super::support::{books, expected, stored, sync_env};
use chrono::Duration;
use flowsense_fakes::{FakeConfig, Injected};
use flowsense_integrations::quickbooks::RetryPolicy;
use flowsense_jobs::{Worker, WorkerConfig};
use flowsense_service::background::registry;
use flowsense_service::sync;
use flowsense_storage::{JobState, Store};
use std::sync::Arc;

async fn throttling_server_errors_and_timeouts_end_in_exact_counts(store: &Store) {
    let config = FakeConfig {
        throttle_requests: 3,
        throttle_window: std::time::Duration::from_secs(1),
        ..FakeConfig::default()
    };
    let retry = RetryPolicy {
        max_attempts: 3,
        base_delay: std::time::Duration::from_millis(10),
        max_delay: std::time::Duration::from_millis(50),
        request_timeout: std::time::Duration::from_millis(800),
        max_retry_after: std::time::Duration::from_secs(2),
    };
    let env = sync_env(store, &books(4_000), config, retry).await;
    // A 503 and a timeout the client rides out (its third attempt answers); then three 5xx in
    // a row, as many as its attempts: the job fails and the queue retries it, resuming.
    for fault in [
        Injected::Status(503),
        Injected::Delay(std::time::Duration::from_millis(1_500)),
        Injected::Status(500),
        Injected::Status(502),
        Injected::Status(500),
    ] {
        env.fake.inject(fault);
    }
    let job = sync::enqueue(&env.ctx, env.org, env.connection, "connect")
        .await
        .expect("enqueue");
    let worker = Worker::new(
        store.clone(),
        Arc::new(registry(&env.ctx)),
        env.ctx.clock.clone(),
        WorkerConfig::new(1, 0),
    );
    let mut attempts = 0;
    for _ in 0..10 {
        attempts += worker.run_once().await.expect("run");
        if store.job_across_orgs(job).await.expect("job").state == JobState::Succeeded {
            break;
        }
        env.clock.advance(Duration::minutes(2));
    }
    let record = store.job_across_orgs(job).await.expect("job");
    assert_eq!(record.state, JobState::Succeeded, "{:?}", record.last_error);
    assert_eq!(attempts, 2, "one failed attempt, then the resumed one");
    let statuses: Vec<u16> = env.fake.served().iter().map(|s| s.status).collect();
    let throttled = statuses.iter().filter(|&&s| s == 429).count();
    let failed = statuses.iter().filter(|&&s| s >= 500).count();
    assert!(throttled > 0, "the storm happened: {statuses:?}");
    assert_eq!(failed, 4);
    assert_eq!(stored(&env).await, expected(&env.fake));
    println!(
        "sync under faults ({:?}): {throttled} throttled, {failed} server errors, 1 timeout, {attempts} job attempts",
        store.backend()
    );
}

crate::on_both_backends!(throttling_server_errors_and_timeouts_end_in_exact_counts);

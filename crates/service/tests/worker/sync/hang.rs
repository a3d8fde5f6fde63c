//! A provider that accepts a read and never answers: the sync gives up once its request timeout
//! has passed on every attempt, says why on the connection, keeps only the pages it finished,
//! and the next sync completes with exact counts (nothing doubled, nothing lost).

use super::support::{books, expected, stored, sync_env};
use flowsense_fakes::{FakeConfig, Injected};
use flowsense_integrations::quickbooks::RetryPolicy;
use flowsense_service::sync::sync_connection;
use flowsense_storage::Store;
use std::time::{Duration, Instant};

const REQUEST_TIMEOUT: Duration = Duration::from_millis(600);
const ATTEMPTS: u32 = 2;

async fn a_hung_provider_times_out_cleanly_and_the_next_sync_completes(store: &Store) {
    let retry = RetryPolicy {
        max_attempts: ATTEMPTS,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        request_timeout: REQUEST_TIMEOUT,
        max_retry_after: Duration::from_secs(1),
    };
    let env = sync_env(store, &books(3_000), FakeConfig::default(), retry).await;
    // The first read answers; the second hangs, and so does every attempt at it.
    env.fake.inject(Injected::Delay(Duration::ZERO));
    for _ in 0..ATTEMPTS {
        env.fake.inject(Injected::Hang);
    }
    let started = Instant::now();
    let failed = sync_connection(&env.ctx, env.org, env.connection).await;
    let took = started.elapsed();
    assert!(failed.is_err(), "a hung read fails the sync: {failed:?}");
    assert!(
        took >= REQUEST_TIMEOUT * ATTEMPTS,
        "it waited for the timeout on each attempt: {took:?}"
    );
    assert!(
        took < REQUEST_TIMEOUT * ATTEMPTS + Duration::from_secs(3),
        "it gave up promptly: {took:?}"
    );
    let connection = store
        .connection(env.org, env.connection)
        .await
        .expect("connection");
    let said = connection.last_error.clone().unwrap_or_default();
    assert!(
        said.contains("did not answer in time"),
        "the connection says why: {said:?}"
    );
    assert_ne!(
        connection.status, "dead",
        "a timeout is not a dead connection"
    );
    let (_, kept_documents) = stored(&env).await;
    let (_, all_documents) = expected(&env.fake);
    assert!(kept_documents <= all_documents);

    // Answering again: the next sync resumes from the last whole page and ends exact.
    sync_connection(&env.ctx, env.org, env.connection)
        .await
        .expect("the next sync");
    assert_eq!(stored(&env).await, expected(&env.fake));
    let connection = store
        .connection(env.org, env.connection)
        .await
        .expect("connection");
    assert_eq!(
        connection.last_error, None,
        "the error is cleared once it syncs"
    );
    println!(
        "hung provider ({:?}): sync gave up after {took:?} ({ATTEMPTS} attempts of {REQUEST_TIMEOUT:?})",
        store.backend()
    );
}

crate::on_both_backends!(a_hung_provider_times_out_cleanly_and_the_next_sync_completes);

//! Token rotation raced by two syncs (the connection survives, one rotation saved), and a
//! revoked grant: the connection is dead, its job dead after one attempt, nothing retried.

use super::support::{books, quick_retries, stored, sync_env};
use chrono::Duration;
use flowsense_fakes::FakeConfig;
use flowsense_jobs::{Worker, WorkerConfig};
use flowsense_service::background::registry;
use flowsense_service::sync::{self, sync_connection};
use flowsense_storage::{JobState, Store};
use std::sync::Arc;

async fn two_syncs_racing_to_refresh_rotate_the_tokens_once(store: &Store) {
    let env = sync_env(store, &books(2_000), FakeConfig::default(), quick_retries()).await;
    sync_connection(&env.ctx, env.org, env.connection)
        .await
        .expect("backfill");
    assert_eq!(
        store
            .sync_state(env.org, env.connection)
            .await
            .expect("s")
            .token_version,
        0
    );
    // 58 minutes on, the hour-long access token is within the 5-minute margin.
    env.clock.advance(Duration::minutes(58));
    let (a, b) = tokio::join!(
        sync_connection(&env.ctx, env.org, env.connection),
        sync_connection(&env.ctx, env.org, env.connection)
    );
    a.expect("first sync");
    b.expect("second sync");
    let state = store.sync_state(env.org, env.connection).await.expect("s");
    assert_eq!(state.token_version, 1, "exactly one rotation saved");
    assert_eq!(state.status, "active");
    // Two hours later the rotated refresh token still works.
    env.clock.advance(Duration::hours(2));
    sync_connection(&env.ctx, env.org, env.connection)
        .await
        .expect("sync after rotation");
    let state = store.sync_state(env.org, env.connection).await.expect("s");
    assert_eq!((state.token_version, state.status.as_str()), (2, "active"));
    assert_eq!(stored(&env).await, super::support::expected(&env.fake));
}

async fn a_revoked_grant_kills_the_connection_and_is_not_retried(store: &Store) {
    let env = sync_env(store, &books(1_000), FakeConfig::default(), quick_retries()).await;
    let tokens = store
        .sync_tokens(env.org, env.connection)
        .await
        .expect("tokens")
        .tokens
        .expect("saved");
    env.qb.revoke(&tokens.refresh).await.expect("revoke");
    env.clock.advance(Duration::hours(2));
    let job = sync::enqueue(&env.ctx, env.org, env.connection, "manual")
        .await
        .expect("enqueue");
    let worker = Worker::new(
        store.clone(),
        Arc::new(registry(&env.ctx)),
        env.ctx.clock.clone(),
        WorkerConfig::new(1, 0),
    );
    assert_eq!(worker.run_once().await.expect("run"), 1);
    let record = store.job_across_orgs(job).await.expect("job");
    assert_eq!((record.state, record.attempts), (JobState::Dead, 1));
    let state = store.sync_state(env.org, env.connection).await.expect("s");
    assert_eq!(state.status, "dead");
    assert!(
        state
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("reconnect")),
        "{state:?}"
    );
    env.clock.advance(Duration::hours(1));
    assert_eq!(worker.run_once().await.expect("run"), 0, "nothing retried");
    assert!(
        store
            .active_connections(env.org)
            .await
            .expect("active")
            .is_empty()
    );
    let requests = env.fake.request_count();
    let skipped = sync_connection(&env.ctx, env.org, env.connection)
        .await
        .expect("a dead connection is skipped");
    assert!(skipped.skipped);
    assert_eq!(env.fake.request_count(), requests);
    // The metrics count each ending under its provider and outcome.
    let ended = |outcome: &str| {
        env.ctx
            .sync_counts
            .snapshot()
            .find(|(p, o, _)| *p == "quickbooks" && *o == outcome)
            .map_or(0, |(_, _, n)| n)
    };
    assert_eq!((ended("dead"), ended("skipped"), ended("retry")), (1, 1, 0));
}

/// Checklist A8: fifty syncs at once, each finding the access token expired, make exactly one
/// refresh call at the provider; every sync succeeds with what it brought, and the stored
/// refresh token is the newest: the provider takes it, and refuses the one it replaced.
async fn fifty_calls_with_an_expired_token_refresh_it_exactly_once(store: &Store) {
    let env = sync_env(store, &books(300), FakeConfig::default(), quick_retries()).await;
    sync_connection(&env.ctx, env.org, env.connection)
        .await
        .expect("backfill");
    let refreshes = |fake: &flowsense_fakes::QuickBooksFake| {
        fake.served()
            .iter()
            .filter(|s| {
                s.method == "POST" && s.path == "/oauth2/v1/tokens/bearer" && s.status == 200
            })
            .count()
    };
    let issued = refreshes(&env.fake);
    let old = store
        .sync_tokens(env.org, env.connection)
        .await
        .expect("tokens")
        .tokens
        .expect("saved");
    // Two hours on, the hour-long access token has expired.
    env.clock.advance(Duration::hours(2));
    let results = futures_util::future::join_all(
        (0..50).map(|_| sync_connection(&env.ctx, env.org, env.connection)),
    )
    .await;
    for r in results {
        r.expect("every sync succeeds");
    }
    assert_eq!(refreshes(&env.fake) - issued, 1, "exactly one refresh");
    let now = store
        .sync_tokens(env.org, env.connection)
        .await
        .expect("tokens");
    assert_eq!(now.version, 1, "one rotation saved");
    let newest = now.tokens.expect("saved");
    assert!(
        env.qb.refresh(&old.refresh).await.is_err(),
        "the replaced refresh token is refused"
    );
    env.qb
        .refresh(&newest.refresh)
        .await
        .expect("the stored refresh token is the newest");
}

crate::on_both_backends!(
    two_syncs_racing_to_refresh_rotate_the_tokens_once,
    a_revoked_grant_kills_the_connection_and_is_not_retried,
    fifty_calls_with_an_expired_token_refresh_it_exactly_once
);

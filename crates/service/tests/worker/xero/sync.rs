//! Syncing a connected Xero organisation: the backfill (exact counts, the fewest requests the
//! paging allows), an incremental read after edits, deletions and voids in Xero, the access
//! token refreshed and the rotated refresh token saved, a revoked grant marking the connection
//! dead, and webhooks and the hourly poll queueing syncs.

use super::support::{WEBHOOK_KEY, XeroEnv, books, connect, expected, stored, xero_env};
use chrono::Duration;
use flowsense_core::clock::Clock;
use flowsense_fakes::xero::ledger::{Kind, Status};
use flowsense_fakes::xero::webhook::sign;
use flowsense_integrations::xero::PAGE_SIZE;
use flowsense_jobs::{Worker, WorkerConfig};
use flowsense_service::background::registry;
use flowsense_service::connections::webhooks::{WebhookError, receive_xero};
use flowsense_service::sync::{self, SyncError, sync_connection};
use flowsense_storage::Store;
use std::sync::Arc;
use uuid::Uuid;

/// One request for the chart, and `⌈n / 1000⌉` (at least one) per paged collection.
pub(super) fn paging_minimum(env: &XeroEnv, tenant: usize) -> usize {
    let ledger = env.fake.ledger(tenant);
    let pages = |kind: Kind| {
        let n = ledger.records.iter().filter(|r| r.kind == kind).count();
        n.div_ceil(PAGE_SIZE).max(1)
    };
    1 + pages(Kind::BankTransaction) + pages(Kind::Invoice) + pages(Kind::Payment)
}

async fn the_backfill_holds_exactly_the_organisations_books(store: &Store) {
    let env = xero_env(store, &books(3_000, true)).await;
    let connection = connect(&env, 1, 1).await;
    let report = sync_connection(&env.ctx, env.org, connection)
        .await
        .expect("backfill");
    assert_eq!(stored(&env, connection).await, expected(&env.fake, 1));
    assert_eq!(report.requests, paging_minimum(&env, 1));
    // The first organisation is connected too, with books of its own, more than a page.
    let other = connect(&env, 2, 0).await;
    let report = sync_connection(&env.ctx, env.org, other)
        .await
        .expect("backfill");
    let (accounts, documents) = expected(&env.fake, 0);
    let transactions: i64 = accounts.values().map(|(n, _)| n).sum();
    assert!(transactions > 1_000, "{transactions}");
    assert_eq!(stored(&env, other).await, (accounts, documents));
    assert_eq!(report.requests, paging_minimum(&env, 0));
    assert!(report.pages > 4);
    // Every page was read for its own organisation.
    let tenants = env.fake.tenant_ids();
    assert!(env.fake.served().iter().all(|s| {
        !s.path.starts_with("/api.xro") || s.tenant.as_ref().is_some_and(|t| tenants.contains(t))
    }));
    let state = store.sync_state(env.org, other).await.expect("state");
    assert_eq!(state.status, "active");
    assert!(state.last_synced_at.is_some());
    assert_eq!(
        u64::try_from(state.synced_rows).expect("a count"),
        report.counts.total()
    );
}

fn first(env: &XeroEnv, kind: Kind, status: Status) -> String {
    env.fake
        .ledger(0)
        .records
        .iter()
        .find(|r| r.kind == kind && r.status == status)
        .map(|r| r.id.clone())
        .expect("a record")
}

async fn an_incremental_sync_reads_only_what_changed(store: &Store) {
    let env = xero_env(store, &books(2_500, false)).await;
    let connection = connect(&env, 1, 0).await;
    sync_connection(&env.ctx, env.org, connection)
        .await
        .expect("backfill");
    env.clock.advance(Duration::minutes(10));
    let edited = first(&env, Kind::BankTransaction, Status::Authorised);
    assert!(env.fake.update_amount(0, &edited, 123_456));
    let voided = first(&env, Kind::Invoice, Status::Authorised);
    assert!(env.fake.void(0, &voided));
    let deleted = first(&env, Kind::Payment, Status::Authorised);
    assert!(env.fake.delete(0, &deleted));
    let before = env.fake.request_count();
    let report = sync_connection(&env.ctx, env.org, connection)
        .await
        .expect("incremental");
    assert_eq!(stored(&env, connection).await, expected(&env.fake, 0));
    // The chart and one page of each collection, each asked only for what changed.
    assert_eq!(report.requests, 4);
    let reads: Vec<_> = env.fake.served().into_iter().skip(before).collect();
    assert_eq!(reads.len(), 4, "{reads:?}");
    assert!(
        report.counts.total() >= 3 && report.counts.total() < 50,
        "{report:?}"
    );
    // Nothing changed since: another sync reads four empty-ish answers and changes nothing.
    env.clock.advance(Duration::minutes(5));
    let again = sync_connection(&env.ctx, env.org, connection)
        .await
        .expect("again");
    assert_eq!(again.requests, 4);
    assert_eq!(stored(&env, connection).await, expected(&env.fake, 0));
}

async fn tokens_are_refreshed_and_the_rotated_refresh_token_is_kept(store: &Store) {
    let env = xero_env(store, &books(500, false)).await;
    let connection = connect(&env, 1, 0).await;
    sync_connection(&env.ctx, env.org, connection)
        .await
        .expect("backfill");
    let before = store
        .sync_tokens(env.org, connection)
        .await
        .expect("tokens");
    let v0 = before.version;
    // Xero's access token lasts 30 minutes.
    env.clock.advance(Duration::minutes(31));
    sync_connection(&env.ctx, env.org, connection)
        .await
        .expect("after a refresh");
    let state = store.sync_state(env.org, connection).await.expect("state");
    assert_eq!(
        (state.token_version, state.status.as_str()),
        (v0 + 1, "active"),
        "one rotation saved"
    );
    let c = store.connection(env.org, connection).await.expect("row");
    assert_eq!(
        c.refresh_expires_at,
        Some(env.clock.now() + Duration::days(60)),
        "60 days from the refresh"
    );
    // The old refresh token stops working once its 30-minute grace is over; the stored one,
    // rotated, still works hours later.
    env.clock.advance(Duration::hours(3));
    let old = before.tokens.expect("tokens").refresh;
    assert!(env.xero.refresh(&old).await.is_err());
    sync_connection(&env.ctx, env.org, connection)
        .await
        .expect("after a second refresh");
    let state = store.sync_state(env.org, connection).await.expect("state");
    assert_eq!(
        (state.token_version, state.status.as_str()),
        (v0 + 2, "active")
    );
}

async fn a_revoked_grant_marks_the_connection_dead(store: &Store) {
    let env = xero_env(store, &books(300, false)).await;
    let connection = connect(&env, 1, 0).await;
    sync_connection(&env.ctx, env.org, connection)
        .await
        .expect("backfill");
    env.fake.revoke_consent();
    env.clock.advance(Duration::minutes(31));
    let dead = sync_connection(&env.ctx, env.org, connection).await;
    assert!(matches!(dead, Err(SyncError::Dead)), "{dead:?}");
    let state = store.sync_state(env.org, connection).await.expect("state");
    assert_eq!(state.status, "dead");
    assert!(
        state
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("reconnect")),
        "{state:?}"
    );
    let requests = env.fake.request_count();
    let skipped = sync_connection(&env.ctx, env.org, connection)
        .await
        .expect("skipped");
    assert!(skipped.skipped);
    assert_eq!(env.fake.request_count(), requests, "nothing is retried");
}

fn delivery(tenant: &str, resource: &str) -> Vec<u8> {
    serde_json::json!({
        "events": [{
            "resourceUrl": format!("https://api.xero.com/api.xro/2.0/Invoices/{resource}"),
            "resourceId": resource,
            "tenantId": tenant,
            "tenantType": "ORGANISATION",
            "eventCategory": "INVOICE",
            "eventType": "UPDATE",
            "eventDateUtc": "2027-02-01T09:30:00.000"
        }],
        "firstEventSequence": 5,
        "lastEventSequence": 5,
        "entropy": resource,
    })
    .to_string()
    .into_bytes()
}

async fn webhooks_and_the_poll_queue_syncs_of_connected_organisations(store: &Store) {
    let env = xero_env(store, &books(300, true)).await;
    let connection = connect(&env, 1, 0).await;
    // The first sync (queued by the connect) runs, so the queue is empty.
    let worker = Worker::new(
        store.clone(),
        Arc::new(registry(&env.ctx)),
        env.ctx.clock.clone(),
        WorkerConfig::new(1, 0),
    );
    assert_eq!(worker.run_once().await.expect("run"), 1);
    assert_eq!(stored(&env, connection).await, expected(&env.fake, 0));
    let tenants = env.fake.tenant_ids();
    // A valid event for the connected organisation queues its sync.
    let body = delivery(&tenants[0], &Uuid::new_v4().to_string());
    let got = receive_xero(&env.ctx, "ip", Some(&sign(WEBHOOK_KEY, &body)), &body)
        .await
        .expect("accepted");
    assert_eq!((got.new_events, got.syncs_queued), (1, 1));
    // The same delivery again does nothing new.
    let got = receive_xero(&env.ctx, "ip", Some(&sign(WEBHOOK_KEY, &body)), &body)
        .await
        .expect("accepted");
    assert_eq!(got.syncs_queued, 0);
    // An organisation not connected here is accepted and ignored; a bad signature refused.
    let body = delivery(&tenants[1], &Uuid::new_v4().to_string());
    let got = receive_xero(&env.ctx, "ip", Some(&sign(WEBHOOK_KEY, &body)), &body)
        .await
        .expect("accepted");
    assert_eq!(got.syncs_queued, 0);
    let forged = receive_xero(&env.ctx, "ip", Some(&sign("another key", &body)), &body).await;
    assert!(matches!(forged, Err(WebhookError::BadSignature)));
    // The webhook's sync runs; then the hourly poll queues one again (Xero has no bank
    // transaction webhooks).
    assert_eq!(worker.run_once().await.expect("run"), 1);
    assert_eq!(sync::poll_all_orgs(&env.ctx).await.expect("poll"), 1);
    let queued = store
        .list_jobs_across_orgs(None, Some(sync::SYNC_KIND), 100)
        .await
        .expect("jobs");
    assert_eq!(queued.len(), 3);
    assert_eq!(worker.run_once().await.expect("run"), 1);
}

crate::on_both_backends!(
    the_backfill_holds_exactly_the_organisations_books,
    an_incremental_sync_reads_only_what_changed,
    tokens_are_refreshed_and_the_rotated_refresh_token_is_kept,
    a_revoked_grant_marks_the_connection_dead,
    webhooks_and_the_poll_queue_syncs_of_connected_organisations,
);

//! Incremental syncs through CDC: an edit, a deletion and a void since the last sync, applied
//! exactly; another organisation cannot apply to or read the connection.

use super::support::{books, expected, first, quick_retries, stored, sync_env};
use chrono::Duration;
use flowsense_core::Currency;
use flowsense_core::synced::BookChange;
use flowsense_fakes::FakeConfig;
use flowsense_fakes::quickbooks::ledger::Kind;
use flowsense_service::sync::sync_connection;
use flowsense_storage::{StorageError, Store, SyncedPage};

async fn edits_deletions_and_voids_reach_the_store_exactly(store: &Store) {
    let env = sync_env(store, &books(3_000), FakeConfig::default(), quick_retries()).await;
    let backfill = sync_connection(&env.ctx, env.org, env.connection)
        .await
        .expect("backfill");
    assert!(backfill.counts.movements > 500, "{backfill:?}");
    assert_eq!(stored(&env).await, expected(&env.fake));

    env.clock.advance(Duration::minutes(10));
    let (purchase, deposit, payment) = (
        first(&env, &[Kind::Purchase]),
        first(&env, &[Kind::Deposit, Kind::Payment]),
        first(&env, &[Kind::BillPayment, Kind::JournalEntry]),
    );
    assert!(env.fake.update_amount(purchase, 123_456));
    assert!(env.fake.delete(deposit));
    assert!(env.fake.void(payment));
    env.clock.advance(Duration::minutes(1));
    let version = store.sync_state(env.org, env.connection).await.expect("s");
    let report = sync_connection(&env.ctx, env.org, env.connection)
        .await
        .expect("incremental");
    assert_eq!(report.requests, 2, "the chart and one CDC request");
    assert_eq!(report.counts.movements, 1, "{report:?}");
    assert_eq!(report.counts.removed, 2, "{report:?}");
    assert_eq!(stored(&env).await, expected(&env.fake));
    let after = store.sync_state(env.org, env.connection).await.expect("s");
    assert_ne!(after.cursor, version.cursor, "the cursor moved on");
    assert_eq!(after.synced_rows, 3);

    // The same page again changes nothing.
    let again = sync_connection(&env.ctx, env.org, env.connection)
        .await
        .expect("again");
    assert_eq!(again.counts.total(), 0);

    // Another organisation can neither apply to this connection nor read its state.
    let other = super::support::org(store, "intruder").await;
    let removal = [BookChange::Removed {
        source_id: format!("Purchase:{purchase}"),
    }];
    let applied = store
        .apply_synced(
            other,
            env.connection,
            "quickbooks",
            SyncedPage::incremental(&removal, "{}"),
            Currency::USD,
        )
        .await;
    assert!(
        matches!(applied, Err(StorageError::NotFound)),
        "{applied:?}"
    );
    assert!(matches!(
        store.sync_state(other, env.connection).await,
        Err(StorageError::NotFound)
    ));
    assert!(matches!(
        store.synced_totals(other, env.connection).await,
        Err(StorageError::NotFound)
    ));
    assert!(matches!(
        store.sync_tokens(other, env.connection).await,
        Err(StorageError::NotFound)
    ));
    assert!(
        !store
            .lease_token_refresh(
                other,
                env.connection,
                0,
                "x",
                env.ctx.now() + Duration::minutes(1),
                env.ctx.now()
            )
            .await
            .expect("lease")
    );
    assert!(
        !store
            .mark_connection_dead(other, env.connection, "no")
            .await
            .expect("dead")
    );
    assert_eq!(stored(&env).await, expected(&env.fake), "nothing changed");
    assert_eq!(
        store
            .sync_state(env.org, env.connection)
            .await
            .expect("s")
            .status,
        "active"
    );
}

crate::on_both_backends!(edits_deletions_and_voids_reach_the_store_exactly);

//! A connection away for longer than CDC's 30 days: the full re-read removes what was deleted
//! in QuickBooks meanwhile (CDC can no longer report it), only once the re-read completes, and
//! only this connection's rows of this organisation.

use super::support::{
    books, connect, expected, first, org, quick_retries, stored, stored_for, sync_env,
};
use chrono::Duration;
use flowsense_fakes::quickbooks::ledger::{Kind, Status};
use flowsense_fakes::{FakeConfig, Injected};
use flowsense_service::sync::sync_connection;
use flowsense_storage::Store;

async fn a_re_read_past_the_cdc_window_removes_what_was_deleted_meanwhile(store: &Store) {
    let env = sync_env(store, &books(3_000), FakeConfig::default(), quick_retries()).await;
    // Another organisation connected to the same company: its copy is its own.
    let bystander = org(store, "bystander").await;
    let (theirs, _) = connect(&env.ctx, &env.qb, bystander).await;
    sync_connection(&env.ctx, env.org, env.connection)
        .await
        .expect("backfill");
    sync_connection(&env.ctx, bystander, theirs)
        .await
        .expect("their backfill");
    let before = stored(&env).await;
    assert_eq!(before, expected(&env.fake));

    // Away for 31 days, during which a purchase and an invoice are deleted in QuickBooks.
    env.clock.advance(Duration::days(31));
    let purchase = first(&env, &[Kind::Purchase]);
    let invoice = env
        .fake
        .entities()
        .iter()
        .find(|e| e.kind == Kind::Invoice && e.status == Status::Active)
        .expect("an open invoice")
        .id;
    assert!(env.fake.delete(purchase));
    assert!(env.fake.delete(invoice));
    env.clock.advance(Duration::minutes(1));
    let after = expected(&env.fake);
    assert_ne!(after, before, "the deletions move the books");

    // The re-read stops part way, as a killed worker leaves it: the chart and the first two
    // pages (payments, bill payments) are applied, then every attempt at the invoices fails.
    for _ in 0..3 {
        env.fake.inject(Injected::Delay(std::time::Duration::ZERO));
    }
    for _ in 0..quick_retries().max_attempts {
        env.fake.inject(Injected::Status(500));
    }
    let stopped = sync_connection(&env.ctx, env.org, env.connection).await;
    assert!(stopped.is_err(), "{stopped:?}");
    let cursor = store
        .sync_state(env.org, env.connection)
        .await
        .expect("state")
        .cursor;
    assert!(
        cursor.as_deref().is_some_and(|c| c.contains("backfill")),
        "a re-read under way: {cursor:?}"
    );
    assert_eq!(stored(&env).await, before, "nothing removed part way");

    // Resumed to the end: exactly the fake's books, the deleted rows gone.
    let report = sync_connection(&env.ctx, env.org, env.connection)
        .await
        .expect("resumed re-read");
    assert!(report.counts.removed >= 2, "{report:?}");
    assert_eq!(stored(&env).await, after);
    let state = store
        .sync_state(env.org, env.connection)
        .await
        .expect("state");
    assert!(
        state.cursor.as_deref().is_some_and(|c| c.contains("cdc")),
        "up to date again: {:?}",
        state.cursor
    );

    // The other organisation's rows are untouched until its own sync re-reads them.
    assert_eq!(stored_for(&env.ctx, bystander, theirs).await, before);
    sync_connection(&env.ctx, bystander, theirs)
        .await
        .expect("their re-read");
    assert_eq!(stored_for(&env.ctx, bystander, theirs).await, after);

    // Up to date: the next run uses CDC again and removes nothing more.
    let next = sync_connection(&env.ctx, env.org, env.connection)
        .await
        .expect("incremental");
    assert_eq!(next.counts.total(), 0, "{next:?}");
    assert_eq!(next.requests, 2, "the chart and one CDC request");
}

crate::on_both_backends!(a_re_read_past_the_cdc_window_removes_what_was_deleted_meanwhile);

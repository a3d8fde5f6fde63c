//! A worker killed with SIGKILL in the middle of a Xero backfill, then the sync finished in
//! this process from the committed cursor: exactly the fake's books, nothing lost, nothing
//! doubled, and the resumed run reads only the chart and the pages not yet applied.

use super::support::{books, connect, expected, stored, xero_env};
use crate::killed_worker::{ChildOrders, ChildProvider, file_store, kill_mid_sync};
use flowsense_integrations::xero::PAGE_SIZE;
use flowsense_service::sync::sync_connection;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_backfill_resumes_with_exact_counts() {
    let file = file_store().await;
    let env = xero_env(&file.store, &books(20_000, false)).await;
    let connection = connect(&env, 1, 0).await;
    let movements = || async {
        let (per_account, _) = stored(&env, connection).await;
        per_account.values().map(|v| v.0).sum::<i64>()
    };
    let orders = ChildOrders {
        provider: ChildProvider::Xero,
        database_url: file.url.clone(),
        key_file: file.key_file.display().to_string(),
        fake_base: env.fake.origin(),
        client_id: env.fake.config().client_id.clone(),
        client_secret: env.fake.config().client_secret.clone(),
        org: env.org.0,
        connection,
    };
    let (want, documents) = expected(&env.fake, 0);
    let total: i64 = want.values().map(|v| v.0).sum();
    assert!(
        total > 3 * i64::try_from(PAGE_SIZE).expect("size"),
        "{total}"
    );
    let at_kill = kill_mid_sync(&orders, total / 3, movements).await;
    assert!(
        at_kill > 0 && at_kill < total,
        "killed mid-backfill: {at_kill} of {total}"
    );
    let cursor = file
        .store
        .sync_state(env.org, connection)
        .await
        .expect("s")
        .cursor;
    assert!(
        cursor.as_deref().is_some_and(|c| c.contains("reading")),
        "{cursor:?}"
    );

    let before = env.fake.request_count();
    let report = sync_connection(&env.ctx, env.org, connection)
        .await
        .expect("resume");
    assert!(report.counts.movements > 0);
    assert_eq!(stored(&env, connection).await, (want, documents));
    // The resumed run starts again at the page after the last one applied (after the chart):
    // fewer requests than a whole backfill, and every one of them answered.
    let served = env.fake.served();
    assert!(
        served[before..].iter().all(|s| s.status == 200),
        "{served:?}"
    );
    let whole = super::sync::paging_minimum(&env, 0);
    assert!(report.requests < whole, "{} of {whole}", report.requests);
    println!(
        "xero: killed at {at_kill} of {total} movements; resumed with {} requests",
        report.requests
    );
}

//! Key rotation while writers keep sealing (SECURITY-CHECKLIST F6), on SQLite and PostgreSQL
//! alike: afterwards every value opens, every value is under the newest data key, no key is
//! wrapped by the retired master key, and rotating again changes nothing.

use crate::support::TestDb;
use crate::support::sealed::*;
use flowsense_storage::Store;
use flowsense_test_support::on_both_backends;
use secrecy::ExposeSecret;
use std::sync::Arc;
use tokio::sync::watch;

const WRITERS: usize = 4;
const WRITES_EACH: usize = 15;

/// Writes `WRITES_EACH` secrets, counting them in `written`; after a third of them it waits
/// until the rotations have started, so the rest land while they run.
async fn write_secrets(
    store: Store,
    org: flowsense_core::OrgId,
    writer: usize,
    written: Arc<watch::Sender<usize>>,
    mut started: watch::Receiver<bool>,
) {
    for i in 0..WRITES_EACH {
        if i == WRITES_EACH / 3 {
            started
                .wait_for(|s| *s)
                .await
                .expect("the rotator is there");
        }
        store
            .set_org_secret(
                org,
                &format!("w{writer}.{i}"),
                &secret(&format!("v{writer}.{i}")),
            )
            .await
            .unwrap_or_else(|e| panic!("writer {writer}, write {i}: {e}"));
        written.send_modify(|n| *n += 1);
    }
}

async fn rotation_under_concurrent_writes_loses_nothing_and_leaves_no_old_key_in_use(db: &TestDb) {
    let who = user(&db.store, "ed@example.com").await;
    let a = org(&db.store, "alpha").await;
    let (conn, convo) = fill_org(&db.store, a, who, "a").await;

    // Every instance gets the new master key version before rotation starts (as an operator
    // would restart them with the new key file); two of them keep writing while the third
    // rotates the organisation's data key twice and the master key once.
    let ring = db.keyring.with_generated_version().expect("v2");
    let mut stores = Vec::new();
    for _ in 0..3 {
        stores.push(
            db.open_with(Some(ring.clone()))
                .await
                .expect("open with v1 and v2"),
        );
    }
    let (first, second, rotator) = (stores[0].clone(), stores[1].clone(), stores[2].clone());
    let written = Arc::new(watch::Sender::new(0usize));
    let (start, started) = watch::channel(false);
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let store = if w % 2 == 0 { &first } else { &second };
            let (written, started) = (Arc::clone(&written), started.clone());
            tokio::spawn(write_secrets(store.clone(), a, w, written, started))
        })
        .collect();
    let rotations = {
        let rotator = rotator.clone();
        let mut progress = written.subscribe();
        tokio::spawn(async move {
            progress
                .wait_for(|n| *n >= WRITERS * (WRITES_EACH / 3))
                .await
                .expect("writers");
            start.send_replace(true);
            let r1 = rotator
                .rotate_org_data_key(a)
                .await
                .expect("data key rotation");
            let master = rotator
                .rotate_master_key(|_| {})
                .await
                .expect("master rotation");
            let r2 = rotator
                .rotate_org_data_key(a)
                .await
                .expect("second data key rotation");
            let during = *progress.borrow();
            (r1, master, r2, during)
        })
    };
    for w in writers {
        w.await.expect("writer");
    }
    let (r1, master, r2, written_by_the_end) = rotations.await.expect("rotations");
    println!(
        "{} of {} writes had landed when the rotations ended",
        written_by_the_end,
        WRITERS * WRITES_EACH
    );
    assert_eq!((r1.new_version, r2.new_version), (2, 3));
    assert_eq!(master.master_version, 2);

    // Nothing lost: every write opens to what was written, under the newest key only.
    for w in 0..WRITERS {
        for i in 0..WRITES_EACH {
            let value = rotator
                .org_secret(a, &format!("w{w}.{i}"))
                .await
                .expect("read")
                .unwrap_or_else(|| panic!("w{w}.{i} was lost"));
            assert_eq!(value.expose_secret(), format!("v{w}.{i}"));
        }
    }
    assert_org_readable(&rotator, a, conn, convo, "a").await;
    let usage = raw_key_usage(db, a).await;
    let live: Vec<_> = usage.iter().filter(|k| k.live).map(|k| k.version).collect();
    assert_eq!(live, vec![3], "{usage:?}");
    let secrets = raw_org_column(db, "org_secrets", "value_enc", a).await;
    assert_eq!(
        secrets.len(),
        WRITERS * WRITES_EACH + 1,
        "the writes and fill_org's secret"
    );
    for (table, column) in [
        ("org_secrets", "value_enc"),
        ("connections", "access_token_enc"),
        ("connections", "refresh_token_enc"),
    ] {
        for sealed in raw_org_column(db, table, column, a).await {
            assert_eq!(
                sealed_key_version(&sealed),
                3,
                "a value of {table}.{column} is not under the newest data key"
            );
        }
    }

    // Nothing is wrapped by master v1 any more: it retires, and v2 alone opens everything.
    rotator
        .retire_master_key_version(1)
        .await
        .expect("master v1 wraps nothing");
    let again = rotator.rotate_master_key(|_| {}).await.expect("again");
    assert_eq!(
        (again.org_keys_rewrapped, again.instance_keys_rewrapped),
        (0, 0),
        "a second master rotation has nothing to do"
    );
    for store in stores {
        store.close().await;
    }
    let v2_only = db
        .open_with(Some(ring.without_version(1)))
        .await
        .expect("v2 alone opens the database");
    let value = v2_only.org_secret(a, "w3.14").await.expect("read");
    assert_eq!(value.expect("set").expose_secret(), "v3.14");
    assert_org_readable(&v2_only, a, conn, convo, "a").await;
}

on_both_backends!(rotation_under_concurrent_writes_loses_nothing_and_leaves_no_old_key_in_use);

//! Backups through the service crate: a live SQLite database copied, sealed and described by its
//! manifest; verified by restoring into a scratch database; restored into a new file whose
//! books equal the original's; refused with another master key; damage detected; the oldest
//! removed beyond the kept count; and the nightly job doing it all on its own.

use chrono::{Days, NaiveDate, TimeDelta, TimeZone, Utc};
use flowsense_core::clock::{Clock, ManualClock};
use flowsense_core::{Currency, OrgId};
use flowsense_jobs::{Scheduler, Worker, WorkerConfig};
use flowsense_service::background::{BACKUP_NIGHTLY, registry};
use flowsense_service::backup::manifest::SEALED_FILE;
use flowsense_service::backup::{
    BackupError, BackupPolicy, create, last_verified, list, restore, verify,
};
use flowsense_storage::crypto::{BackupCipherError, Keyring};
use flowsense_storage::{ImportMeta, NewOrg, NewTransaction, OpenOptions, OrgSettings, Store};
use flowsense_test_support::TestDb;
use std::sync::Arc;

async fn books(store: &Store, rows: u64) -> OrgId {
    let org = store
        .create_org(&NewOrg {
            slug: "kept".into(),
            name: "Kept Ltd".into(),
            settings: OrgSettings::with_currency(Currency::USD),
        })
        .await
        .expect("org")
        .id;
    let last = NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
    let rows: Vec<NewTransaction> = (0..rows)
        .map(|i| NewTransaction {
            account: "Operating".into(),
            posted_on: last - Days::new(i % 300),
            amount_minor: -1_000 - i64::try_from(i).expect("small"),
            currency: "USD".into(),
            original_amount_minor: -1_000 - i64::try_from(i).expect("small"),
            original_currency: "USD".into(),
            counterparty: format!("Supplier {}", i % 17),
            description: "Supplies".into(),
            category: "Supplies".into(),
            is_transfer: false,
            external_id: format!("t-{i}"),
        })
        .collect();
    let meta = ImportMeta {
        file_name: "b.csv".into(),
        format: "csv".into(),
        sha256: "00".repeat(32),
        source: "csv".into(),
        created_by: None,
        currency: Currency::USD,
    };
    let mut import = store.begin_import(org, &meta).await.expect("begin");
    import.add_transactions(&rows).await.expect("add");
    import.commit().await.expect("commit");
    org
}

async fn a_backup_is_sealed_verified_restored_and_refused_to_another_master_key(db: &TestDb) {
    let dir = tempfile::tempdir().expect("dir");
    let policy = BackupPolicy {
        dir: dir.path().to_path_buf(),
        keep: 2,
    };
    let now = Utc
        .with_ymd_and_hms(2026, 12, 4, 2, 0, 0)
        .single()
        .expect("instant");
    if !db.is_sqlite() {
        let r = create(&db.store, &policy, now).await;
        assert!(matches!(r, Err(BackupError::PostgresNotSupported)), "{r:?}");
        return;
    }
    let org = books(&db.store, 3_000).await;
    let created = create(&db.store, &policy, now).await.expect("backup");
    let m = &created.manifest;
    assert_eq!(m.id, "flowsense-20261204T020000Z");
    assert_eq!(m.row_counts["transactions"], 3_000);
    assert_eq!(m.row_counts["organisations"], 1);
    assert_eq!(m.master_key_version, db.keyring.current_version());
    assert_eq!(m.sealed_sha256.len(), 64);
    // Sealed: the counterparty names never appear in the file, and no plaintext copy is left.
    let sealed = std::fs::read(created.path.join(SEALED_FILE)).expect("sealed");
    assert!(!sealed.windows(10).any(|w| w == b"Supplier 1"));
    let names: Vec<String> = std::fs::read_dir(&created.path)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(last_verified(dir.path()).is_none());

    let verified = verify(&db.keyring, &created.path, now + TimeDelta::minutes(1))
        .await
        .expect("verify");
    assert_eq!(verified.tables, m.row_counts.len());
    let (last, v) = last_verified(dir.path()).expect("recorded");
    assert_eq!(
        (last.id.as_str(), v.verified_at),
        (m.id.as_str(), now + TimeDelta::minutes(1))
    );

    // Another master key: refused, in words, and nothing is written.
    let target = dir.path().join("restored.db");
    let other = Keyring::generate().expect("keyring");
    let refused = restore(&other, &created.path, &target).await;
    match &refused {
        Err(BackupError::Cipher(BackupCipherError::KeyMismatch(_))) => {}
        other => panic!("expected a key mismatch, got {other:?}"),
    }
    let message = refused.expect_err("refused").to_string();
    assert!(
        message.contains("made with another master key"),
        "{message}"
    );
    assert!(!target.exists());

    // The right key: a new database whose books equal the original's.
    restore(&db.keyring, &created.path, &target)
        .await
        .expect("restore");
    let again = restore(&db.keyring, &created.path, &target).await;
    assert!(
        matches!(again, Err(BackupError::TargetExists(_))),
        "never overwrites"
    );
    let restored = Store::open(
        &format!("sqlite://{}", target.display()),
        &OpenOptions {
            keyring: Some(db.keyring.clone()),
            ..OpenOptions::default()
        },
    )
    .await
    .expect("the restored database opens with the same master key");
    let (a, b) = (
        db.store.load_books(org).await.expect("books"),
        restored.load_books(org).await.expect("books"),
    );
    assert_eq!(a.txns.len(), 3_000);
    assert_eq!(format!("{:?}", a.txns), format!("{:?}", b.txns));
    restored.close().await;

    // A flipped byte in the sealed file: damage, named as such.
    let mut bytes = std::fs::read(created.path.join(SEALED_FILE)).expect("read");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x40;
    std::fs::write(created.path.join(SEALED_FILE), &bytes).expect("write");
    let damaged = verify(&db.keyring, &created.path, now).await;
    assert!(
        matches!(
            damaged,
            Err(BackupError::Cipher(BackupCipherError::Damaged(_)))
        ),
        "{damaged:?}"
    );

    // Keep 2: the third backup removes the first.
    for hours in [1, 2] {
        create(&db.store, &policy, now + TimeDelta::hours(hours))
            .await
            .expect("backup");
    }
    let kept: Vec<String> = list(dir.path())
        .expect("list")
        .into_iter()
        .map(|(_, m, _)| m.id)
        .collect();
    assert_eq!(
        kept,
        ["flowsense-20261204T030000Z", "flowsense-20261204T040000Z"]
    );
}

/// The scheduler enqueues the nightly backup once; a worker takes it and verifies it.
async fn the_nightly_job_backs_up_and_verifies(db: &TestDb) {
    if !db.is_sqlite() {
        return;
    }
    books(&db.store, 50).await;
    let dir = tempfile::tempdir().expect("dir");
    let outbox = tempfile::tempdir().expect("outbox");
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 12, 4, 2, 5, 0)
            .single()
            .expect("instant"),
    ));
    let ctx = crate::support::context(&db.store, outbox.path())
        .with_clock(clock.clone())
        .with_backups(BackupPolicy {
            dir: dir.path().to_path_buf(),
            keep: 3,
        });
    let kinds = Arc::new(registry(&ctx));
    let scheduler = Scheduler::new(db.store.clone(), kinds.clone(), clock.clone());
    scheduler.tick().await.expect("tick");
    scheduler
        .tick()
        .await
        .expect("a second tick enqueues nothing new");
    let worker = Worker::new(
        db.store.clone(),
        kinds,
        clock.clone(),
        WorkerConfig::new(2, 0),
    );
    while worker.run_once().await.expect("run") > 0 {}
    let all = list(dir.path()).expect("list");
    assert_eq!(all.len(), 1, "one backup a night");
    let (m, v) = last_verified(dir.path()).expect("verified by the job");
    assert_eq!(m.row_counts["transactions"], 50);
    assert_eq!(v.verified_at, clock.now());

    // Without a backup directory there is no backup kind at all.
    let plain = crate::support::context(&db.store, outbox.path());
    assert!(registry(&plain).options(BACKUP_NIGHTLY).is_none());
    assert!(registry(&ctx).options(BACKUP_NIGHTLY).is_some());
}

flowsense_test_support::on_both_backends!(
    a_backup_is_sealed_verified_restored_and_refused_to_another_master_key,
    the_nightly_job_backs_up_and_verifies,
);

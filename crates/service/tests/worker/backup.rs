//! Backups through the service crate, on both databases: a live database copied (SQLite's
//! `VACUUM INTO`, PostgreSQL's `pg_dump` of a snapshot), sealed and described by its manifest;
//! verified by restoring into a scratch database; restored into a new database whose books
//! equal the original's; refused with another master key; damage detected, with nothing left
//! half-restored; the oldest removed beyond the kept count; and the nightly job doing it all.

use chrono::{Days, NaiveDate, TimeDelta, TimeZone, Utc};
use flowsense_core::clock::{Clock, ManualClock};
use flowsense_core::{Currency, OrgId};
use flowsense_jobs::{Scheduler, Worker, WorkerConfig};
use flowsense_service::background::{BACKUP_NIGHTLY, registry};
use flowsense_service::backup::{
    BackupError, BackupPolicy, RestoreTarget, create, last_verified, list, restore, verify,
};
use flowsense_storage::backup::postgres::PgDatabase;
use flowsense_storage::crypto::{BACKUP_CHUNK_BYTES, BackupCipherError, Keyring};
use flowsense_storage::{ImportMeta, NewOrg, NewTransaction, OpenOptions, OrgSettings, Store};
use flowsense_test_support::{EmptyPgDb, TestDb};
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
            // Reference numbers that do not compress, so that even a compressed dump spans
            // several sealed chunks.
            description: (0..8)
                .map(|_| uuid::Uuid::new_v4().simple().to_string())
                .collect(),
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

/// Where a test restores to: a new file beside the backups, or an empty PostgreSQL database.
enum Target {
    File(std::path::PathBuf),
    Postgres(EmptyPgDb),
}

impl Target {
    async fn new(db: &TestDb, dir: &std::path::Path, name: &str) -> Target {
        if db.is_sqlite() {
            Target::File(dir.join(format!("{name}.db")))
        } else {
            let server = flowsense_test_support::postgres_url().expect("server");
            Target::Postgres(EmptyPgDb::new(&server).await)
        }
    }

    fn restore_target(&self) -> RestoreTarget {
        match self {
            Target::File(path) => RestoreTarget::SqliteFile(path.clone()),
            Target::Postgres(empty) => RestoreTarget::parse(&empty.url).expect("url"),
        }
    }

    fn url(&self) -> String {
        match self {
            Target::File(path) => format!("sqlite://{}", path.display()),
            Target::Postgres(empty) => empty.url.clone(),
        }
    }

    /// Nothing was written: no file, or no table.
    async fn untouched(&self) -> bool {
        match self {
            Target::File(path) => !path.exists(),
            Target::Postgres(empty) => PgDatabase::parse(&empty.url)
                .expect("url")
                .is_empty()
                .await
                .expect("reach the target"),
        }
    }
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
    // Enough rows for a sealed file of more than one chunk.
    let org = books(&db.store, 12_000).await;
    let created = create(&db.store, &policy, now).await.expect("backup");
    let m = &created.manifest;
    assert_eq!(m.id, "flowsense-20261204T020000Z");
    assert_eq!(
        m.backend,
        if db.is_sqlite() { "sqlite" } else { "postgres" }
    );
    assert_eq!(m.row_counts["transactions"], 12_000);
    assert_eq!(m.row_counts["organisations"], 1);
    assert_eq!(m.master_key_version, db.keyring.current_version());
    assert_eq!(m.sealed_sha256.len(), 64);
    let sealed_file = created.path.join(m.sealed_file());
    // Sealed: the counterparty names never appear in the file, and no plaintext copy is left.
    let sealed = std::fs::read(&sealed_file).expect("sealed");
    assert!(sealed.len() > BACKUP_CHUNK_BYTES, "{} bytes", sealed.len());
    assert!(!sealed.windows(10).any(|w| w == b"Supplier 1"));
    let names: Vec<String> = std::fs::read_dir(&created.path)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(last_verified(dir.path()).is_none());

    let server = db.store.postgres_database();
    let verified = verify(
        &db.keyring,
        &created.path,
        server,
        now + TimeDelta::minutes(1),
    )
    .await
    .expect("verify");
    assert_eq!(verified.tables, m.row_counts.len());
    let (last, v) = last_verified(dir.path()).expect("recorded");
    assert_eq!(
        (last.id.as_str(), v.verified_at),
        (m.id.as_str(), now + TimeDelta::minutes(1))
    );
    if !db.is_sqlite() {
        // A PostgreSQL backup is verified on a server, and a restore needs a database to go to.
        let r = verify(&db.keyring, &created.path, None, now).await;
        assert!(matches!(r, Err(BackupError::NoPostgresServer)), "{r:?}");
        let file = RestoreTarget::SqliteFile(dir.path().join("wrong.db"));
        let r = restore(&db.keyring, &created.path, &file).await;
        assert!(matches!(r, Err(BackupError::WrongTarget { .. })), "{r:?}");
        // A scratch database (what a verification restores into) is gone once dropped. Other
        // tests verify on this server at the same time, so this one is named and looked for.
        let scratch = server
            .expect("server")
            .create_scratch("check")
            .await
            .expect("scratch");
        let name = scratch.database.name().to_owned();
        let exists = format!("SELECT datname FROM pg_database WHERE datname = '{name}'");
        assert_eq!(db.execute_raw(&exists).await, 1);
        scratch.drop_now().await.expect("dropped");
        assert_eq!(
            db.execute_raw(&exists).await,
            0,
            "a scratch database left behind"
        );
    }

    // Another master key: refused, in words, and nothing is written.
    let target = Target::new(db, dir.path(), "restored").await;
    let other = Keyring::generate().expect("keyring");
    let refused = restore(&other, &created.path, &target.restore_target()).await;
    match &refused {
        Err(BackupError::Cipher(BackupCipherError::KeyMismatch(_))) => {}
        other => panic!("expected a key mismatch, got {other:?}"),
    }
    let message = refused.expect_err("refused").to_string();
    assert!(
        message.contains("made with another master key"),
        "{message}"
    );
    assert!(target.untouched().await);

    // The right key: a new database whose books equal the original's.
    restore(&db.keyring, &created.path, &target.restore_target())
        .await
        .expect("restore");
    let again = restore(&db.keyring, &created.path, &target.restore_target()).await;
    assert!(
        matches!(
            again,
            Err(BackupError::TargetExists(_) | BackupError::TargetNotEmpty)
        ),
        "never overwrites: {again:?}"
    );
    let restored = Store::open(
        &target.url(),
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
    assert_eq!(a.txns.len(), 12_000);
    assert_eq!(format!("{:?}", a.txns), format!("{:?}", b.txns));
    restored.close().await;

    // A flipped byte in the sealed file's last chunk, after several whole ones: damage, named
    // as such, and a restore that had begun leaves nothing behind.
    let mut bytes = std::fs::read(&sealed_file).expect("read");
    let late = bytes.len() - 100;
    bytes[late] ^= 0x40;
    std::fs::write(&sealed_file, &bytes).expect("write");
    let damaged = verify(&db.keyring, &created.path, server, now).await;
    assert!(
        matches!(
            damaged,
            Err(BackupError::Cipher(BackupCipherError::Damaged(_)))
        ),
        "{damaged:?}"
    );
    let fresh = Target::new(db, dir.path(), "damaged").await;
    let damaged = restore(&db.keyring, &created.path, &fresh.restore_target()).await;
    assert!(
        matches!(
            damaged,
            Err(BackupError::Cipher(BackupCipherError::Damaged(_)))
        ),
        "{damaged:?}"
    );
    assert!(fresh.untouched().await, "a damaged backup restores nothing");

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

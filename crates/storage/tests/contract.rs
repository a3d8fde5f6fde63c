//! The storage contract, run on SQLite and on PostgreSQL alike.

// Shared bodies run by `on_both_backends!` and seeding helpers are not `#[test]` functions, so
// clippy's allow-unwrap-in-tests does not reach them.
#![allow(clippy::unwrap_used)]

mod jobs;
mod own_data;
mod retention;
mod support;

use chrono::NaiveDate;
use flowsense_core::{Currency, DocKind, OrgId, Role};
use flowsense_storage::{
    ImportMeta, NewAuditEvent, NewDocument, NewOrg, NewTransaction, NewUser, OrgSettings,
    StorageError, Store, TxnCursor, TxnFilter,
};
use flowsense_test_support::on_both_backends;
use jobs::{
    a_job_enqueued_in_an_import_exists_only_if_the_import_commits,
    a_second_enqueue_with_the_same_key_returns_the_first_job,
    an_expired_lease_is_claimed_again_and_its_old_owner_changes_nothing,
    claims_lease_renew_and_complete, cron_nonces_are_accepted_once_and_purged,
    failures_back_off_then_the_job_is_dead_with_its_last_error,
    operators_retry_cancel_count_and_hand_back, the_clean_up_removes_exactly_what_expired,
};
use own_data::{
    deleting_an_account_removes_its_rows_and_keeps_every_organisation_an_admin,
    notification_prefs_are_per_membership,
};
use support::TestDb;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

async fn org(store: &Store, slug: &str) -> OrgId {
    store
        .create_org(&NewOrg {
            slug: slug.into(),
            name: format!("{slug} Ltd"),
            settings: OrgSettings::with_currency(Currency::USD),
        })
        .await
        .expect("create org")
        .id
}

fn txn(n: u32, account: &str, amount: i64, counterparty: &str) -> NewTransaction {
    NewTransaction {
        account: account.into(),
        posted_on: day(2026, 1 + (n % 12), 1 + (n % 28)),
        amount_minor: amount,
        currency: "USD".into(),
        original_amount_minor: amount,
        original_currency: "USD".into(),
        counterparty: counterparty.into(),
        description: format!("Payment {n} to {counterparty}"),
        category: if amount > 0 { "Sales" } else { "Software" }.into(),
        is_transfer: false,
        external_id: format!("ext-{n}"),
    }
}

fn meta(name: &str) -> ImportMeta {
    ImportMeta {
        file_name: name.into(),
        format: "csv".into(),
        sha256: "00".repeat(32),
        source: "csv".into(),
        created_by: None,
        currency: Currency::USD,
    }
}

async fn import(store: &Store, org: OrgId, rows: &[NewTransaction]) -> u64 {
    let mut imp = store
        .begin_import(org, &meta("t.csv"))
        .await
        .expect("begin");
    imp.add_transactions(rows).await.expect("add");
    imp.commit().await.expect("commit").rows_added
}

/// Two organisations with similar books, to try to cross.
async fn two_orgs(store: &Store) -> (OrgId, OrgId) {
    let a = org(store, "alpha").await;
    let b = org(store, "bravo").await;
    let rows_a: Vec<_> = (0..40)
        .map(|n| txn(n, "Operating", 1000 + i64::from(n), "Acme"))
        .collect();
    let rows_b: Vec<_> = (0..25)
        .map(|n| txn(n, "Main", -500 - i64::from(n), "Secret Supplier"))
        .collect();
    assert_eq!(import(store, a, &rows_a).await, 40);
    assert_eq!(import(store, b, &rows_b).await, 25);
    (a, b)
}

async fn migrations_are_recorded_and_a_missing_one_is_pending(db: &TestDb) {
    let applied = db.store.applied_migrations().await.unwrap();
    assert_eq!(applied.first().map(String::as_str), Some("0001_init"));
    assert_eq!(db.store.pending_migrations().await.unwrap(), [""; 0]);
    // A database that missed this build's newest migration is not current.
    let newest = applied.last().unwrap();
    let version: i64 = newest[..4].parse().unwrap();
    let deleted = db
        .execute_raw(&format!(
            "DELETE FROM _sqlx_migrations WHERE version = {version}"
        ))
        .await;
    assert_eq!(deleted, 1);
    assert_eq!(
        db.store.pending_migrations().await.unwrap(),
        std::slice::from_ref(newest)
    );
}

async fn orgs_users_and_roles(db: &TestDb) {
    let s = &db.store;
    let a = org(s, "acme").await;
    assert!(matches!(
        s.create_org(&NewOrg {
            slug: "acme".into(),
            name: "dup".into(),
            settings: OrgSettings::with_currency(Currency::EUR)
        })
        .await,
        Err(StorageError::Conflict(_))
    ));
    assert_eq!(s.org_by_slug_across_orgs("acme").await.unwrap().id, a);
    assert!(matches!(
        s.org_by_slug_across_orgs("nope").await,
        Err(StorageError::NotFound)
    ));
    assert!(matches!(
        s.org(OrgId::new()).await,
        Err(StorageError::NotFound)
    ));

    let u = s
        .create_user(&NewUser {
            email: "Ana@Example.com".into(),
            display_name: "Ana".into(),
            password_hash: "$argon2id$x".into(),
        })
        .await
        .unwrap();
    assert_eq!(u.email, "ana@example.com");
    assert!(
        !format!("{u:?}").contains("argon2"),
        "Debug must not print the hash"
    );
    assert_eq!(
        s.user_by_email("ANA@example.com ")
            .await
            .unwrap()
            .unwrap()
            .id,
        u.id
    );
    assert!(s.user_by_email("bob@example.com").await.unwrap().is_none());
    assert!(matches!(
        s.create_user(&NewUser {
            email: "ana@example.com".into(),
            display_name: "x".into(),
            password_hash: "h".into()
        })
        .await,
        Err(StorageError::Conflict(_))
    ));

    assert_eq!(s.role_in(a, u.id).await.unwrap(), None);
    s.set_membership(a, u.id, Role::Viewer).await.unwrap();
    s.set_membership(a, u.id, Role::Admin).await.unwrap();
    assert_eq!(s.role_in(a, u.id).await.unwrap(), Some(Role::Admin));
    assert_eq!(s.members(a).await.unwrap().len(), 1);
    assert_eq!(s.memberships_of(u.id).await.unwrap()[0].org_id, a);

    let before = s.org(a).await.unwrap();
    let mut settings = before.settings;
    settings.retention_days = 30;
    settings.redact_names = true;
    s.update_org_name_and_settings(a, &before.name, &settings)
        .await
        .unwrap();
    assert_eq!(s.org(a).await.unwrap().settings, settings);
}

async fn tenant_scoping_holds_for_every_query(db: &TestDb) {
    let s = &db.store;
    let (a, b) = two_orgs(s).await;
    let user = s
        .create_user(&NewUser {
            email: "x@example.com".into(),
            display_name: "X".into(),
            password_hash: "h".into(),
        })
        .await
        .unwrap();
    s.set_membership(b, user.id, Role::Admin).await.unwrap();
    let ev = NewAuditEvent {
        actor: Some(user.id),
        action: "auth.sign_in".into(),
        target: "user".into(),
        ip: "127.0.0.1".into(),
        details: serde_json::json!({}),
    };
    s.record_audit(b, &ev).await.unwrap();

    // Transactions: list (with every filter, including b's own values), count.
    let page = s
        .list_transactions(
            a,
            &TxnFilter {
                limit: 500,
                ..TxnFilter::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.items.len(), 40);
    assert!(
        page.items
            .iter()
            .all(|t| t.counterparty == "Acme" && t.account == "Operating")
    );
    for f in [
        TxnFilter {
            counterparty: Some("Secret Supplier".into()),
            limit: 500,
            ..TxnFilter::default()
        },
        TxnFilter {
            account: Some("Main".into()),
            limit: 500,
            ..TxnFilter::default()
        },
        TxnFilter {
            text: Some("secret".into()),
            limit: 500,
            ..TxnFilter::default()
        },
    ] {
        assert!(
            s.list_transactions(a, &f).await.unwrap().items.is_empty(),
            "{f:?} leaked"
        );
    }
    assert_eq!(s.count_transactions(a).await.unwrap(), 40);
    assert_eq!(s.count_transactions(b).await.unwrap(), 25);
    // Accounts, books, members, roles, audit.
    let names: Vec<_> = s
        .bank_accounts(a)
        .await
        .unwrap()
        .into_iter()
        .map(|x| x.name)
        .collect();
    assert_eq!(names, vec!["Operating".to_string()]);
    let books = s.load_books(a).await.unwrap();
    assert_eq!(books.txns.len(), 40);
    assert!(books.counterparties.get("Secret Supplier").is_none());
    assert!(s.members(a).await.unwrap().is_empty());
    assert_eq!(s.role_in(a, user.id).await.unwrap(), None);
    assert!(s.audit_events(a, 100).await.unwrap().is_empty());
    assert_eq!(s.audit_events(b, 100).await.unwrap().len(), 1);
    // Importing into a with b's external ids adds a's own rows: ids are per organisation.
    let rows_b_ids: Vec<_> = (0..3).map(|n| txn(n, "Operating", 1, "Acme")).collect();
    let mut imp = s.begin_import(a, &meta("again.csv")).await.unwrap();
    assert_eq!(
        imp.add_transactions(&rows_b_ids).await.unwrap(),
        0,
        "a already has ext-0..2"
    );
    drop(imp);
    // Deleting a leaves b whole.
    s.delete_org(a).await.unwrap();
    assert!(matches!(s.delete_org(a).await, Err(StorageError::NotFound)));
    assert_eq!(s.count_transactions(b).await.unwrap(), 25);
    assert_eq!(s.count_transactions(a).await.unwrap(), 0);
}

async fn import_is_all_or_nothing_and_idempotent(db: &TestDb) {
    let s = &db.store;
    let a = org(s, "alpha").await;
    let rows: Vec<_> = (0..2000)
        .map(|n| {
            txn(
                n,
                if n % 3 == 0 { "Savings" } else { "Operating" },
                i64::from(n) - 1000,
                "Acme\tCo \\ \"q\"\nx",
            )
        })
        .collect();

    // Abandoned import: nothing stays, not even the accounts it created.
    let mut imp = s.begin_import(a, &meta("a.csv")).await.unwrap();
    assert_eq!(imp.add_transactions(&rows[..1500]).await.unwrap(), 1500);
    drop(imp);
    assert_eq!(s.count_transactions(a).await.unwrap(), 0);
    assert!(s.bank_accounts(a).await.unwrap().is_empty());

    // A committed import in two batches, then the same file again.
    let mut imp = s.begin_import(a, &meta("a.csv")).await.unwrap();
    imp.add_transactions(&rows[..700]).await.unwrap();
    imp.add_transactions(&rows[700..]).await.unwrap();
    let summary = imp.commit().await.unwrap();
    assert_eq!((summary.rows_read, summary.rows_added), (2000, 2000));
    assert_eq!(import(s, a, &rows).await, 0);
    assert_eq!(s.count_transactions(a).await.unwrap(), 2000);

    // Special characters survive the bulk paths byte for byte.
    let page = s
        .list_transactions(
            a,
            &TxnFilter {
                limit: 1,
                ..TxnFilter::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.items[0].counterparty, "Acme\tCo \\ \"q\"\nx");
    let total: i64 = s
        .load_books(a)
        .await
        .unwrap()
        .txns
        .iter()
        .map(|t| t.amount)
        .sum();
    assert_eq!(total, rows.iter().map(|r| r.amount_minor).sum::<i64>());

    // A batch mixing known ids, new ones and an id repeated within it adds each new id once
    // (the first of a repeated one keeps its amount); the next batch still goes in whole.
    let mut mixed: Vec<_> = (1990..2010)
        .map(|n| txn(n, "Operating", 7, "Mixed"))
        .collect();
    mixed.push(txn(2005, "Operating", 999, "Repeat"));
    let later: Vec<_> = (2010..2020)
        .map(|n| txn(n, "Savings", 1, "Later"))
        .collect();
    let mut imp = s.begin_import(a, &meta("b.csv")).await.unwrap();
    assert_eq!(imp.add_transactions(&mixed).await.unwrap(), 10);
    assert_eq!(imp.add_transactions(&later).await.unwrap(), 10);
    let summary = imp.commit().await.unwrap();
    assert_eq!((summary.rows_read, summary.rows_added), (31, 20));
    let books = s.load_books(a).await.unwrap();
    assert_eq!(books.txns.len(), 2020);
    assert!(books.counterparties.get("Repeat").is_none());
    let total: i64 = books.txns.iter().map(|t| t.amount).sum();
    let before: i64 = rows.iter().map(|r| r.amount_minor).sum();
    assert_eq!(total, before + 10 * 7 + 10);
}

async fn documents_upsert_and_load(db: &TestDb) {
    let s = &db.store;
    let a = org(s, "alpha").await;
    let mut doc = NewDocument {
        kind: DocKind::Invoice,
        number: "INV-1".into(),
        counterparty: "Customer".into(),
        issue_date: day(2026, 1, 1),
        due_date: day(2026, 1, 31),
        paid_date: None,
        amount_minor: 120_000,
        currency: "USD".into(),
        external_id: "inv-1".into(),
    };
    let mut imp = s.begin_import(a, &meta("d.csv")).await.unwrap();
    assert_eq!(
        imp.add_documents(std::slice::from_ref(&doc)).await.unwrap(),
        1
    );
    imp.commit().await.unwrap();
    let mut imp = s.begin_import(a, &meta("d.csv")).await.unwrap();
    assert_eq!(
        imp.add_documents(std::slice::from_ref(&doc)).await.unwrap(),
        0,
        "unchanged"
    );
    doc.paid_date = Some(day(2026, 2, 10));
    assert_eq!(
        imp.add_documents(std::slice::from_ref(&doc)).await.unwrap(),
        1,
        "now paid"
    );
    imp.commit().await.unwrap();
    let books = s.load_books(a).await.unwrap();
    assert_eq!(books.documents.len(), 1);
    assert_eq!(books.documents[0].paid, Some(day(2026, 2, 10)));
}

async fn transactions_filter_and_page(db: &TestDb) {
    let s = &db.store;
    let a = org(s, "alpha").await;
    let rows: Vec<_> = (0..120)
        .map(|n| {
            txn(
                n,
                "Operating",
                if n % 2 == 0 { 100 } else { -100 },
                if n % 5 == 0 {
                    "Rent Co"
                } else {
                    "Shop 50%_off"
                },
            )
        })
        .collect();
    import(s, a, &rows).await;
    // Paging visits every row exactly once, newest first.
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = s
            .list_transactions(
                a,
                &TxnFilter {
                    cursor,
                    limit: 7,
                    ..TxnFilter::default()
                },
            )
            .await
            .unwrap();
        seen.extend(page.items.iter().map(|t| (t.posted_on, t.id)));
        match page.next_cursor {
            Some(c) => cursor = Some(TxnCursor::decode(&c).unwrap()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 120);
    assert!(seen.windows(2).all(|w| w[0] > w[1]));
    let f = |f: TxnFilter| async move {
        s.list_transactions(a, &TxnFilter { limit: 500, ..f })
            .await
            .unwrap()
            .items
            .len()
    };
    assert_eq!(
        f(TxnFilter {
            counterparty: Some("Rent Co".into()),
            ..TxnFilter::default()
        })
        .await,
        24
    );
    assert_eq!(
        f(TxnFilter {
            category: Some("Sales".into()),
            ..TxnFilter::default()
        })
        .await,
        60
    );
    assert_eq!(
        f(TxnFilter {
            text: Some("50%_".into()),
            ..TxnFilter::default()
        })
        .await,
        96
    );
    assert_eq!(
        f(TxnFilter {
            text: Some("%".into()),
            ..TxnFilter::default()
        })
        .await,
        96,
        "LIKE wildcards are literal"
    );
    assert_eq!(
        f(TxnFilter {
            from: Some(day(2026, 3, 1)),
            to: Some(day(2026, 3, 31)),
            ..TxnFilter::default()
        })
        .await,
        10
    );
}

async fn every_write_to_the_books_moves_their_version(db: &TestDb) {
    let s = &db.store;
    let (a, b) = (org(s, "alpha").await, org(s, "bravo").await);
    let version = |org: OrgId| async move { s.org(org).await.unwrap().books_version };
    assert_eq!((version(a).await, version(b).await), (0, 0));

    import(s, a, &[txn(1, "Operating", 500, "Acme")]).await;
    let after_import = version(a).await;
    assert!(after_import > 0);
    // Re-importing the same rows adds nothing, yet still cannot leave a cache stale.
    import(s, a, &[txn(1, "Operating", 500, "Acme")]).await;
    assert!(version(a).await > after_import);
    let before = version(a).await;
    s.ensure_bank_account(a, "Savings", Currency::USD, 90_000)
        .await
        .unwrap();
    assert!(version(a).await > before);
    let before = version(a).await;
    let mut imp = s.begin_import(a, &meta("d.csv")).await.unwrap();
    imp.add_documents(&[NewDocument {
        kind: DocKind::Invoice,
        number: "INV-1".into(),
        counterparty: "Acme".into(),
        issue_date: day(2026, 1, 1),
        due_date: day(2026, 1, 31),
        paid_date: None,
        amount_minor: 10_000,
        currency: "USD".into(),
        external_id: "inv-1".into(),
    }])
    .await
    .unwrap();
    imp.commit().await.unwrap();
    assert!(version(a).await > before);

    // An abandoned import changes nothing; another organisation's version never moves.
    let before = version(a).await;
    let mut imp = s.begin_import(a, &meta("x.csv")).await.unwrap();
    imp.add_transactions(&[txn(2, "Operating", 1, "Acme")])
        .await
        .unwrap();
    drop(imp);
    assert_eq!(version(a).await, before);
    assert_eq!(version(b).await, 0);
}

on_both_backends!(
    migrations_are_recorded_and_a_missing_one_is_pending,
    every_write_to_the_books_moves_their_version,
    orgs_users_and_roles,
    tenant_scoping_holds_for_every_query,
    import_is_all_or_nothing_and_idempotent,
    documents_upsert_and_load,
    transactions_filter_and_page,
    notification_prefs_are_per_membership,
    deleting_an_account_removes_its_rows_and_keeps_every_organisation_an_admin,
    a_second_enqueue_with_the_same_key_returns_the_first_job,
    a_job_enqueued_in_an_import_exists_only_if_the_import_commits,
    claims_lease_renew_and_complete,
    an_expired_lease_is_claimed_again_and_its_old_owner_changes_nothing,
    failures_back_off_then_the_job_is_dead_with_its_last_error,
    operators_retry_cancel_count_and_hand_back,
    cron_nonces_are_accepted_once_and_purged,
    the_clean_up_removes_exactly_what_expired,
);

#[tokio::test]
async fn a_missing_sqlite_file_is_an_error_not_a_new_database() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/typo.db", dir.path().display());
    let err = Store::open(&url, &flowsense_storage::OpenOptions::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
    assert!(!dir.path().join("typo.db").exists());
    let err = Store::open("mysql://x", &flowsense_storage::OpenOptions::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("FLOWSENSE_DATABASE_URL"), "{err}");
}

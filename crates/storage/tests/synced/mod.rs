//! Synced books in the contract: a page applied with its cursor in one transaction, applied
//! again without effect, amounts converted to the base currency exactly; token rotation under
//! a lease with compare-and-swap; the sync key released once a worker takes the job; and no
//! organisation reaching another's connection.

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use flowsense_core::synced::{
    BookChange, CashMovement, Document, MoneyAccount, MoneyAccountKind, Rate,
};
use flowsense_core::{Currency, DocKind, Money, OrgId};
use flowsense_storage::{
    ConnectionTokens, FullRead, NewJob, NewOrg, OrgSettings, StorageError, Store, SyncedPage,
};
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 2, 1, 9, 0, 0).single().unwrap()
}

async fn org(store: &Store, slug: &str) -> OrgId {
    store
        .create_org(&NewOrg {
            slug: slug.into(),
            name: format!("{slug} Ltd"),
            settings: OrgSettings::with_currency(Currency::USD),
        })
        .await
        .unwrap()
        .id
}

async fn connection(store: &Store, org: OrgId) -> Uuid {
    let id = store
        .create_connection(org, "quickbooks", "realm-1")
        .await
        .unwrap();
    store
        .save_connection_tokens(
            org,
            id,
            &SecretString::from("access-0"),
            &SecretString::from("refresh-0"),
            Some(now()),
        )
        .await
        .unwrap();
    id
}

fn movement(
    source: &str,
    account: &str,
    minor: i64,
    currency: Currency,
    rate: Option<Rate>,
) -> CashMovement {
    CashMovement {
        provider_id: format!("{source}:{account}"),
        source_id: source.into(),
        account_id: account.into(),
        date: NaiveDate::from_ymd_opt(2026, 5, 1).unwrap(),
        amount: Money::new(minor, currency),
        rate,
        counterparty: "Acme".into(),
        description: "memo".into(),
        category: "Supplies".into(),
        is_transfer: false,
    }
}

fn page() -> Vec<BookChange> {
    let account = |id: &str, name: &str, currency| {
        BookChange::Account(MoneyAccount {
            provider_id: id.into(),
            name: name.into(),
            kind: MoneyAccountKind::Bank,
            currency,
            active: true,
        })
    };
    vec![
        account("1", "Checking", Currency::USD),
        account("2", "Euro account", Currency::EUR),
        BookChange::Movements {
            source_id: "Purchase:10".into(),
            movements: vec![movement("Purchase:10", "1", -1_999, Currency::USD, None)],
        },
        BookChange::Movements {
            source_id: "Deposit:11".into(),
            // 0.15 EUR at 1.5: 0.225 USD, rounded half to even once: 0.22.
            movements: vec![movement(
                "Deposit:11",
                "2",
                15,
                Currency::EUR,
                Some(Rate {
                    mantissa: 15,
                    scale: 1,
                }),
            )],
        },
        BookChange::Document(Document {
            kind: DocKind::Invoice,
            provider_id: "Invoice:12".into(),
            number: "INV-12".into(),
            counterparty: "Acme".into(),
            issue_date: NaiveDate::from_ymd_opt(2026, 5, 1).unwrap(),
            due_date: NaiveDate::from_ymd_opt(2026, 5, 31).unwrap(),
            paid_date: None,
            amount: Money::new(50_000, Currency::USD),
            rate: None,
        }),
    ]
}

pub async fn a_synced_page_applies_once_with_its_cursor_and_only_for_its_organisation(
    store: &Store,
) {
    let a = org(store, "owner").await;
    let b = org(store, "other").await;
    let id = connection(store, a).await;
    let counts = store
        .apply_synced(
            a,
            id,
            "quickbooks",
            SyncedPage::incremental(&page(), "cursor-1"),
            Currency::USD,
        )
        .await
        .unwrap();
    assert_eq!(
        (counts.accounts, counts.movements, counts.documents),
        (2, 2, 1)
    );
    let again = store
        .apply_synced(
            a,
            id,
            "quickbooks",
            SyncedPage::incremental(&page(), "cursor-1"),
            Currency::USD,
        )
        .await
        .unwrap();
    assert_eq!(again.total(), 0, "a re-applied page changes nothing");
    let (totals, documents) = store.synced_totals(a, id).await.unwrap();
    let by_id: Vec<(&str, i64, i64, i64)> = totals
        .iter()
        .map(|t| {
            (
                t.provider_account_id.as_str(),
                t.transactions,
                t.original_minor,
                t.amount_minor,
            )
        })
        .collect();
    // The euro deposit is kept in euros; the provider's rate goes into the rates, and the books
    // convert with it: 0.15 EUR at 1.5 is 0.225 USD, rounded half to even once: 0.22.
    assert_eq!(by_id, [("1", 1, -1_999, -1_999), ("2", 1, 15, 15)]);
    let rates = store.org_rates(a, 10).await.unwrap();
    assert_eq!(rates.len(), 1);
    assert_eq!(
        (
            rates[0].rate.from,
            rates[0].rate.to,
            rates[0].rate.rate.to_string(),
            rates[0].source.as_str()
        ),
        (Currency::EUR, Currency::USD, "1.5".to_owned(), "quickbooks")
    );
    let mut amounts: Vec<i64> = store
        .load_books(a)
        .await
        .unwrap()
        .txns
        .iter()
        .map(|t| t.amount)
        .collect();
    amounts.sort_unstable();
    assert_eq!(amounts, [-1_999, 22]);
    assert_eq!(documents, 1);
    assert_eq!(
        store.sync_state(a, id).await.unwrap().cursor.as_deref(),
        Some("cursor-1")
    );

    // Voided: the deposit moves nothing; deleted: the purchase and the invoice go.
    let changes = [
        BookChange::Movements {
            source_id: "Deposit:11".into(),
            movements: Vec::new(),
        },
        BookChange::Removed {
            source_id: "Purchase:10".into(),
        },
        BookChange::Removed {
            source_id: "Invoice:12".into(),
        },
    ];
    let removed = store
        .apply_synced(
            a,
            id,
            "quickbooks",
            SyncedPage::incremental(&changes, "cursor-2"),
            Currency::USD,
        )
        .await
        .unwrap();
    assert_eq!(removed.removed, 3);
    let (totals, documents) = store.synced_totals(a, id).await.unwrap();
    assert!(totals.iter().all(|t| t.transactions == 0));
    assert_eq!(documents, 0);

    // Another organisation: nothing applied, nothing read, nothing changed.
    let applied = store
        .apply_synced(
            b,
            id,
            "quickbooks",
            SyncedPage::incremental(&page(), "evil"),
            Currency::USD,
        )
        .await;
    assert!(
        matches!(applied, Err(StorageError::NotFound)),
        "{applied:?}"
    );
    assert!(matches!(
        store.sync_state(b, id).await,
        Err(StorageError::NotFound)
    ));
    assert!(matches!(
        store.sync_tokens(b, id).await,
        Err(StorageError::NotFound)
    ));
    assert!(matches!(
        store.synced_totals(b, id).await,
        Err(StorageError::NotFound)
    ));
    assert!(
        !store
            .lease_token_refresh(b, id, 0, "b", now(), now())
            .await
            .unwrap()
    );
    assert!(!store.mark_connection_dead(b, id, "no").await.unwrap());
    assert!(matches!(
        store.record_sync_finished(b, id, 1, now(), None).await,
        Err(StorageError::NotFound)
    ));
    assert!(store.active_connections(b).await.unwrap().is_empty());
    assert!(store.bank_accounts(b).await.unwrap().is_empty());
    let state = store.sync_state(a, id).await.unwrap();
    assert_eq!(
        (state.cursor.as_deref(), state.status.as_str()),
        (Some("cursor-2"), "pending")
    );

    store
        .record_sync_finished(a, id, 5, now(), Some(now() + TimeDelta::hours(1)))
        .await
        .unwrap();
    assert_eq!(store.active_connections(a).await.unwrap(), [id]);
    assert!(
        store
            .mark_connection_dead(a, id, "the refresh token was refused")
            .await
            .unwrap()
    );
    let dead = store
        .apply_synced(
            a,
            id,
            "quickbooks",
            SyncedPage::incremental(&page(), "cursor-3"),
            Currency::USD,
        )
        .await;
    assert!(
        matches!(dead, Err(StorageError::NotFound)),
        "a dead connection takes nothing"
    );
}

pub async fn token_rotation_is_leased_and_compare_and_swapped(store: &Store) {
    let a = org(store, "rotating").await;
    let id = connection(store, a).await;
    let read = store.sync_tokens(a, id).await.unwrap();
    assert_eq!(read.version, 0);
    assert_eq!(read.tokens.unwrap().refresh.expose_secret(), "refresh-0");
    let until = now() + TimeDelta::seconds(30);
    assert!(
        store
            .lease_token_refresh(a, id, 0, "first", until, now())
            .await
            .unwrap()
    );
    assert!(
        !store
            .lease_token_refresh(a, id, 0, "second", until, now())
            .await
            .unwrap()
    );
    let rotated = |n: &str| ConnectionTokens {
        access: SecretString::from(format!("access-{n}")),
        refresh: SecretString::from(format!("refresh-{n}")),
        expires_at: Some(now() + TimeDelta::hours(1)),
    };
    assert!(
        !store
            .save_rotated_tokens(a, id, 0, "second", &rotated("x"), None)
            .await
            .unwrap()
    );
    assert!(
        store
            .save_rotated_tokens(a, id, 0, "first", &rotated("1"), None)
            .await
            .unwrap()
    );
    assert!(
        !store
            .save_rotated_tokens(a, id, 0, "first", &rotated("y"), None)
            .await
            .unwrap()
    );
    let read = store.sync_tokens(a, id).await.unwrap();
    assert_eq!(read.version, 1);
    assert_eq!(read.tokens.unwrap().refresh.expose_secret(), "refresh-1");
    // A lease of an old version is refused; an expired lease can be taken over.
    assert!(
        !store
            .lease_token_refresh(a, id, 0, "late", until, now())
            .await
            .unwrap()
    );
    assert!(
        store
            .lease_token_refresh(a, id, 1, "third", until, now())
            .await
            .unwrap()
    );
    assert!(
        store
            .lease_token_refresh(a, id, 1, "fourth", until, until + TimeDelta::seconds(1))
            .await
            .unwrap()
    );
    store.release_token_refresh(a, id, "fourth").await.unwrap();
    assert!(
        store
            .lease_token_refresh(a, id, 1, "fifth", until, now())
            .await
            .unwrap()
    );
}

pub async fn the_sync_key_is_released_once_a_worker_takes_the_job(store: &Store) {
    let a = org(store, "keyed").await;
    let job = NewJob {
        kind: "connection.sync".into(),
        org: Some(a),
        payload: r#"{"connection":"x"}"#.into(),
        idempotency_key: Some("sync:x".into()),
        run_at: now(),
        max_attempts: 3,
    };
    let first = store.enqueue_job(&job, now()).await.unwrap();
    let second = store.enqueue_job(&job, now()).await.unwrap();
    assert_eq!((first.id, second.newly_created), (second.id, false));
    let claimed = store
        .claim_jobs_across_orgs("w", 1, TimeDelta::seconds(60), now())
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let third = store.enqueue_job(&job, now()).await.unwrap();
    assert!(third.newly_created, "a sync may be queued while one runs");
    assert_ne!(third.id, first.id);
}

/// The connection's movements per account and its documents.
async fn held(store: &Store, org: OrgId, id: Uuid) -> (Vec<(String, i64)>, i64) {
    let (totals, documents) = store.synced_totals(org, id).await.unwrap();
    let per_account = totals
        .into_iter()
        .map(|t| (t.provider_account_id, t.transactions))
        .collect();
    (per_account, documents)
}

pub async fn a_completed_full_read_sweeps_only_its_own_unseen_rows(store: &Store) {
    let a = org(store, "swept").await;
    let b = org(store, "bystander").await;
    let id = connection(store, a).await;
    // Another connection of the same organisation, and another organisation connected to the
    // same company (the same external ids).
    let xero = store
        .create_connection(a, "xero", "tenant-2")
        .await
        .unwrap();
    let theirs = connection(store, b).await;
    for (org, connection, provider) in [
        (a, id, "quickbooks"),
        (a, xero, "xero"),
        (b, theirs, "quickbooks"),
    ] {
        store
            .apply_synced(
                org,
                connection,
                provider,
                SyncedPage::incremental(&page(), "cursor-1"),
                Currency::USD,
            )
            .await
            .unwrap();
    }
    let full = held(store, a, id).await;
    assert_eq!(full, (vec![("1".into(), 1), ("2".into(), 1)], 1));

    // A full read sees the purchase only: the deposit and the invoice were deleted meanwhile.
    let mut seen = page();
    seen.truncate(3);
    let read = |complete| FullRead {
        run: "2027-03-05T09:00:00.000000Z",
        complete,
    };
    let first = store
        .apply_synced(
            a,
            id,
            "quickbooks",
            SyncedPage {
                changes: &seen,
                cursor: "reading-1",
                full_read: Some(read(false)),
            },
            Currency::USD,
        )
        .await
        .unwrap();
    assert_eq!(first.total(), 0, "marking is not a change");
    assert_eq!(
        held(store, a, id).await,
        full,
        "a read part way removes nothing"
    );

    // The read completes (its last page carries nothing more): what it did not see goes.
    let last = store
        .apply_synced(
            a,
            id,
            "quickbooks",
            SyncedPage {
                changes: &[],
                cursor: "current",
                full_read: Some(read(true)),
            },
            Currency::USD,
        )
        .await
        .unwrap();
    assert_eq!(last.removed, 2, "the deposit's movement and the invoice");
    assert_eq!(
        held(store, a, id).await,
        (vec![("1".into(), 1), ("2".into(), 0)], 0)
    );
    assert_eq!(
        store.sync_state(a, id).await.unwrap().cursor.as_deref(),
        Some("current")
    );
    assert_eq!(
        held(store, a, xero).await,
        full,
        "another connection untouched"
    );
    assert_eq!(
        held(store, b, theirs).await,
        full,
        "another organisation untouched"
    );

    // A later read that sees nothing removes the rest: marks of an earlier read do not count.
    let empty = store
        .apply_synced(
            a,
            id,
            "quickbooks",
            SyncedPage {
                changes: &[],
                cursor: "current-2",
                full_read: Some(FullRead {
                    run: "2027-04-05T09:00:00.000000Z",
                    complete: true,
                }),
            },
            Currency::USD,
        )
        .await
        .unwrap();
    assert_eq!(empty.removed, 1);
    assert_eq!(held(store, a, xero).await, full);
    assert_eq!(held(store, b, theirs).await, full);
}

/// The owner's correction of a synced transaction survives the provider sending it again with
/// other values, and a rule names the rows a later page adds.
pub async fn a_resync_keeps_the_owners_corrections_and_rules_name_new_rows(store: &Store) {
    let a = org(store, "corrected").await;
    let id = connection(store, a).await;
    let first = vec![
        BookChange::Account(MoneyAccount {
            provider_id: "1".into(),
            name: "Checking".into(),
            kind: MoneyAccountKind::Bank,
            currency: Currency::USD,
            active: true,
        }),
        BookChange::Movements {
            source_id: "Purchase:10".into(),
            movements: vec![movement("Purchase:10", "1", -1_999, Currency::USD, None)],
        },
    ];
    store
        .apply_synced(
            a,
            id,
            "quickbooks",
            SyncedPage::incremental(&first, "c1"),
            Currency::USD,
        )
        .await
        .unwrap();
    let listed = store
        .list_transactions(
            a,
            &flowsense_storage::TxnFilter {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let txn = listed.items[0].id;
    store
        .correct_transaction(
            a,
            txn,
            &flowsense_storage::Correction {
                category: Some("Office rent".into()),
                counterparty: None,
                class: None,
            },
        )
        .await
        .unwrap();
    store
        .save_rule(
            a,
            &flowsense_storage::NewRule {
                counterparty: "Acme".into(),
                category: None,
                counterparty_name: Some("Acme Property Ltd".into()),
                class: None,
                apply_to_past: false,
                created_by: None,
            },
        )
        .await
        .unwrap();
    // The provider sends the same purchase again, re-filed under another category, and a
    // new one from the same counterparty.
    let mut moved = movement("Purchase:10", "1", -2_500, Currency::USD, None);
    moved.category = "Supplies and materials".into();
    let second = vec![
        BookChange::Movements {
            source_id: "Purchase:10".into(),
            movements: vec![moved],
        },
        BookChange::Movements {
            source_id: "Purchase:11".into(),
            movements: vec![movement("Purchase:11", "1", -700, Currency::USD, None)],
        },
    ];
    store
        .apply_synced(
            a,
            id,
            "quickbooks",
            SyncedPage::incremental(&second, "c2"),
            Currency::USD,
        )
        .await
        .unwrap();
    let names = store.transaction_names(a, txn).await.unwrap();
    assert_eq!(
        names.category, "Supplies and materials",
        "the synced value moves on"
    );
    assert_eq!(
        names.effective_category(),
        "Office rent",
        "the correction stays"
    );
    // The rule was made without "apply to the past": the first purchase keeps its name.
    assert_eq!(names.effective_counterparty(), "Acme");
    let items = store
        .list_transactions(
            a,
            &flowsense_storage::TxnFilter {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .items;
    let new = items.iter().find(|t| t.id != txn).unwrap();
    assert_eq!(new.counterparty, "Acme Property Ltd");
    // Word search follows the sync, the correction and the rule.
    let found = |q: &'static str| async move {
        let filter = flowsense_storage::TxnFilter {
            text: Some(q.into()),
            limit: 10,
            ..Default::default()
        };
        let items = store.list_transactions(a, &filter).await.unwrap().items;
        items.iter().map(|t| t.id).collect::<Vec<_>>()
    };
    assert_eq!(found("office rent").await, [txn]);
    assert_eq!(found("property").await, [new.id]);
    assert_eq!(found("acme").await.len(), 2, "the source's name too");
    assert_eq!(found("supplies").await, [new.id]);
    assert_eq!(new.source_counterparty.as_deref(), Some("Acme"));
    let books = store.load_books(a).await.unwrap();
    let mut categories: Vec<&str> = books
        .txns
        .iter()
        .map(|t| books.categories.name(t.category))
        .collect();
    categories.sort_unstable();
    assert_eq!(categories, ["Office rent", "Supplies"]);
}

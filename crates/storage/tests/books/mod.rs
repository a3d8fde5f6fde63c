//! The books: imports all or nothing, documents, filtering and paging, and the books' version.

use super::*;

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

    // Every row keeps its own values (the SQLite path binds a value repeated within a statement
    // once): the dates of all rows, and each field of the newest page's rows.
    let mut stored_dates: Vec<NaiveDate> = s
        .load_books(a)
        .await
        .unwrap()
        .txns
        .iter()
        .map(|t| t.date)
        .collect();
    let mut given_dates: Vec<NaiveDate> = rows.iter().map(|r| r.posted_on).collect();
    stored_dates.sort_unstable();
    given_dates.sort_unstable();
    assert_eq!(stored_dates, given_dates);
    let page = s
        .list_transactions(
            a,
            &TxnFilter {
                limit: 100,
                ..TxnFilter::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.items.len(), 100);
    for stored in &page.items {
        let given = rows
            .iter()
            .find(|r| r.description == stored.description)
            .unwrap();
        assert_eq!(
            (
                stored.posted_on,
                stored.amount_minor,
                stored.currency.as_str(),
                stored.category.as_str(),
                stored.account.as_str(),
                stored.counterparty.as_str(),
            ),
            (
                given.posted_on,
                given.amount_minor,
                given.currency.as_str(),
                given.category.as_str(),
                given.account.as_str(),
                given.counterparty.as_str(),
            )
        );
    }

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
            text: Some("50%_off".into()),
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
        0,
        "a text without a word matches nothing"
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

crate::on_both_backends!(
    import_is_all_or_nothing_and_idempotent,
    documents_upsert_and_load,
    transactions_filter_and_page,
    every_write_to_the_books_moves_their_version,
);

/// What an imported row costs SQLite to write (migration 0031): the CHECK on `class_override`
/// is spelt as comparisons, which SQLite evaluates in place (an IN list of three constants
/// filled a temporary index for every row), and the source index skips imported rows, whose
/// `source_id` is NULL. The CHECK still refuses what it refused.
#[tokio::test]
#[expect(
    clippy::disallowed_methods,
    reason = "reads the compiled insert and the catalog, outside the store"
)]
async fn an_imported_row_is_written_without_a_temporary_index_or_a_source_entry() {
    use sqlx::{Connection, Row};
    let db = TestDb::sqlite().await;
    let a = org(&db.store, "alpha").await;
    let rows: Vec<_> = (0..50).map(|n| txn(n, "Operating", 5, "Acme")).collect();
    assert_eq!(import(&db.store, a, &rows).await, 50);

    let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    let opcodes: Vec<String> = sqlx::query(
        "EXPLAIN INSERT INTO transactions (org_id, source, import_id, account_id, posted_on, \
         amount_minor, currency, original_amount_minor, original_currency, counterparty, \
         description, category, is_transfer, external_id) \
         VALUES (X'00', 'csv', 1, 1, '2026-01-01', 1, 'USD', 1, 'USD', 'c', 'd', 'k', 0, 'e') \
         ON CONFLICT (org_id, external_id) DO NOTHING",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap()
    .iter()
    .map(|r| r.get::<String, _>("opcode"))
    .collect();
    assert!(opcodes.iter().any(|o| o == "IdxInsert"), "{opcodes:?}");
    assert!(
        !opcodes.iter().any(|o| o == "OpenEphemeral"),
        "a temporary index per inserted row: {opcodes:?}"
    );

    let (partial, entries): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT partial FROM pragma_index_list('transactions') \
         WHERE name = 'transactions_by_source'), \
         (SELECT count(*) FROM transactions INDEXED BY transactions_by_source \
         WHERE org_id = (SELECT id FROM organisations WHERE slug = 'alpha') \
         AND source_id IS NOT NULL)",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!((partial, entries), (1, 0));

    for (class, accepted) in [("transfer", true), ("financing", true), ("sideways", false)] {
        let done = sqlx::query("UPDATE transactions SET class_override = $1 WHERE id = (SELECT min(id) FROM transactions)")
            .bind(class)
            .execute(&mut conn)
            .await;
        assert_eq!(done.is_ok(), accepted, "{class}: {done:?}");
    }
    let (integrity,): (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(integrity, "ok");
}

/// SQLite writes a chunk of rows all in one currency, unconverted, with that currency in the
/// statement rather than bound per row; a chunk mixing currencies, or holding a converted row,
/// binds them. Either way every row keeps exactly the currencies and amounts it was given, in
/// the order given: a full chunk (2,048 rows) in one currency, then one mixing two currencies
/// and a converted row, then a short one in another currency.
#[tokio::test]
#[expect(
    clippy::disallowed_methods,
    reason = "reads the stored columns back, outside the store"
)]
async fn imported_rows_keep_their_currencies_whether_a_chunk_has_one_or_several() {
    use sqlx::Connection;
    let db = TestDb::sqlite().await;
    let a = org(&db.store, "alpha").await;
    let mut rows: Vec<_> = (0..2100)
        .map(|n| txn(n, "Operating", i64::from(n) - 1000, "Acme"))
        .collect();
    rows[2060].account = "Operating EUR".into();
    rows[2060].currency = "EUR".into();
    rows[2060].original_currency = "EUR".into();
    rows[2070].original_currency = "GBP".into();
    rows[2070].original_amount_minor = 777;
    let mut imp = db.store.begin_import(a, &meta("t.csv")).await.unwrap();
    imp.add_transactions(&rows).await.unwrap();
    let eur: Vec<_> = (5000..5010)
        .map(|n| NewTransaction {
            account: "Operating EUR".into(),
            currency: "EUR".into(),
            original_currency: "EUR".into(),
            ..txn(n, "Operating EUR", 3, "Lyon")
        })
        .collect();
    imp.add_transactions(&eur).await.unwrap();
    assert_eq!(imp.commit().await.unwrap().rows_added, 2110);
    rows.extend(eur);

    let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    let stored: Vec<(String, String, i64, String, i64, String)> = sqlx::query_as(
        "SELECT external_id, currency, amount_minor, original_currency, original_amount_minor, \
         posted_on FROM transactions ORDER BY id",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let given: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r.external_id.clone(),
                r.currency.clone(),
                r.amount_minor,
                r.original_currency.clone(),
                r.original_amount_minor,
                r.posted_on.to_string(),
            )
        })
        .collect();
    assert_eq!(stored.len(), given.len());
    for (s, g) in stored.iter().zip(&given) {
        assert_eq!(s, g);
    }
}

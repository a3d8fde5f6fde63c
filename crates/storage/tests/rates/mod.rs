//! Exchange rates: the books load in the base currency, converted at each transaction's date's
//! rate; what lacks a rate is listed, not guessed; every rate write moves the books version;
//! rates stay with their organisation and go out with its export.

use super::*;
use flowsense_core::fx::Rate;
use flowsense_storage::RateSource;

fn rate(date: NaiveDate, from: Currency, to: Currency, r: &str) -> Rate {
    Rate {
        date,
        from,
        to,
        rate: r.parse().unwrap(),
    }
}

fn eur(n: u32, posted_on: NaiveDate, amount: i64) -> NewTransaction {
    NewTransaction {
        account: "Operating EUR".into(),
        posted_on,
        amount_minor: amount,
        currency: "EUR".into(),
        original_amount_minor: amount,
        original_currency: "EUR".into(),
        counterparty: "Lyon Cafe".into(),
        description: format!("Order {n}"),
        category: "Sales".into(),
        is_transfer: false,
        external_id: format!("eur-{n}"),
    }
}

async fn books_convert_at_the_dates_rate_and_list_what_lacks_one(db: &TestDb) {
    let s = &db.store;
    let (a, b) = (org(s, "alpha").await, org(s, "bravo").await);
    let rows = [
        eur(1, day(2026, 1, 10), 10_000),
        eur(2, day(2026, 2, 10), -2_001),
        eur(3, day(2026, 3, 10), 5_000),
        txn(4, "Operating", 700, "Acme"),
    ];
    assert_eq!(import(s, a, &rows).await, 4);
    let accounts = s.bank_accounts(a).await.unwrap();
    let held: Vec<_> = accounts
        .iter()
        .map(|x| (x.name.as_str(), x.currency.as_str()))
        .collect();
    assert_eq!(held, [("Operating", "USD"), ("Operating EUR", "EUR")]);

    // Without a rate the euro rows are left out and listed, never guessed.
    let books = s.load_books(a).await.unwrap();
    assert_eq!(
        books.txns.iter().map(|t| t.amount).collect::<Vec<_>>(),
        [700]
    );
    assert_eq!(books.missing_rates.len(), 1);
    let m = &books.missing_rates[0];
    assert_eq!(
        (m.currency, m.first_date, m.last_date, m.count),
        (Currency::EUR, day(2026, 1, 10), day(2026, 3, 10), 3)
    );

    // A rate moves the version; a row before the first rate still lacks one.
    let v0 = s.org(a).await.unwrap().books_version;
    let saved = s
        .save_rates(
            a,
            &[
                rate(day(2026, 2, 1), Currency::EUR, Currency::USD, "1.10"),
                rate(day(2026, 3, 1), Currency::EUR, Currency::USD, "1.0834"),
            ],
            RateSource::Manual,
        )
        .await
        .unwrap();
    assert_eq!(saved, 2);
    assert_eq!(s.org(a).await.unwrap().books_version, v0 + 1);
    let books = s.load_books(a).await.unwrap();
    let mut amounts: Vec<i64> = books.txns.iter().map(|t| t.amount).collect();
    amounts.sort_unstable();
    // -20.01 EUR × 1.10 = -22.011 → -22.01; 50.00 EUR × 1.0834 = 54.17 exactly.
    assert_eq!(amounts, [-2_201, 700, 5_417]);
    assert_eq!(books.missing_rates[0].count, 1);
    assert_eq!(books.missing_rates[0].first_date, day(2026, 1, 10));

    // Reference rates reach every organisation and move every version; the organisation's own
    // rate of the same day wins.
    let vb = s.org(b).await.unwrap().books_version;
    s.save_reference_rates_across_orgs(&[
        rate(day(2026, 1, 1), Currency::EUR, Currency::USD, "1.20"),
        rate(day(2026, 3, 1), Currency::EUR, Currency::USD, "9"),
    ])
    .await
    .unwrap();
    assert_eq!(s.org(b).await.unwrap().books_version, vb + 1);
    let books = s.load_books(a).await.unwrap();
    assert!(books.missing_rates.is_empty());
    let mut amounts: Vec<i64> = books.txns.iter().map(|t| t.amount).collect();
    amounts.sort_unstable();
    assert_eq!(amounts, [-2_201, 700, 5_417, 12_000]);

    // The list shows each row's base amount beside its own.
    let page = s
        .list_transactions(
            a,
            &TxnFilter {
                limit: 10,
                ..TxnFilter::default()
            },
        )
        .await
        .unwrap();
    let shown: Vec<(&str, i64, Option<i64>)> = page
        .items
        .iter()
        .map(|t| (t.currency.as_str(), t.amount_minor, t.base_amount_minor))
        .collect();
    assert_eq!(
        shown,
        [
            ("USD", 700, Some(700)),
            ("EUR", 5_000, Some(5_417)),
            ("EUR", -2_001, Some(-2_201)),
            ("EUR", 10_000, Some(12_000)),
        ]
    );

    // Another organisation sees none of alpha's own rates; the export carries them.
    assert!(s.org_rates(b, 100).await.unwrap().is_empty());
    assert_eq!(s.org_rates(a, 100).await.unwrap().len(), 2);
    assert_eq!(s.org_rate_count(a).await.unwrap(), 2);
    let tables = s.export_org_tables(a).await.unwrap();
    assert_eq!(tables.exchange_rates.len(), 2);
    assert_eq!(tables.exchange_rates[1].rate.rate.to_string(), "1.0834");
    assert_eq!(tables.exchange_rates[1].source, "manual");
    assert!(
        s.export_org_tables(b)
            .await
            .unwrap()
            .exchange_rates
            .is_empty()
    );

    // A rate between one currency and itself, or not above zero, is refused and keeps nothing.
    let bad = [rate(day(2026, 4, 1), Currency::EUR, Currency::EUR, "1")];
    assert!(matches!(
        s.save_rates(a, &bad, RateSource::Manual).await,
        Err(StorageError::Config(_))
    ));
    let bad = [rate(day(2026, 4, 1), Currency::EUR, Currency::USD, "0")];
    assert!(matches!(
        s.save_rates(a, &bad, RateSource::Manual).await,
        Err(StorageError::Config(_))
    ));
    assert_eq!(s.org_rate_count(a).await.unwrap(), 2);

    // The euro account is worth its own balance at each day's rate, not the sum of its flows
    // at theirs: 100.00 EUR × 1.20 on 31 Jan; 79.99 × 1.10 = 87.989 on 28 Feb; 129.99 ×
    // 1.0834 = 140.831166 on 31 Mar. A purge of January and February keeps it so.
    let euro_balance = |books: &flowsense_core::Books| {
        let position = flowsense_core::analytics::cash_position(
            books,
            Some(day(2026, 1, 31)),
            Some(day(2026, 3, 31)),
        );
        let ix = position
            .accounts
            .iter()
            .position(|n| n == "Operating EUR")
            .unwrap();
        [day(2026, 1, 31), day(2026, 2, 28), day(2026, 3, 31)].map(|d| {
            position
                .days
                .iter()
                .find(|x| x.date == d)
                .map(|x| x.balances[ix])
                .unwrap()
        })
    };
    assert_eq!(euro_balance(&books), [12_000, 8_799, 14_083]);
    s.purge_transactions_before(a, day(2026, 3, 1), 100)
        .await
        .unwrap();
    let purged = s.load_books(a).await.unwrap();
    assert_eq!(purged.txns.len(), 2, "March's rows are kept");
    assert_eq!(euro_balance(&purged)[2], 14_083);
    // The purged weeks keep their currency and convert at their Monday's rate: 100.00 EUR in
    // the week of 5 Jan at 1.20, −20.01 EUR in the week of 9 Feb at 1.10.
    let weeks: Vec<(NaiveDate, i64, i64)> = purged
        .week_rollups
        .iter()
        .map(|w| (w.week, w.inflow, w.outflow))
        .collect();
    assert_eq!(
        weeks,
        [(day(2026, 1, 5), 12_000, 0), (day(2026, 2, 9), 0, -2_201)]
    );
    assert_eq!(
        flowsense_core::analytics::cash_at(&purged, day(2026, 3, 31)),
        flowsense_core::analytics::cash_at(&books, day(2026, 3, 31)),
    );
}

crate::on_both_backends!(books_convert_at_the_dates_rate_and_list_what_lacks_one);

//! Retention over 1,000,000 rows on each backend: exactly the rows after the cutoff remain, and
//! the monthly cash-flow report over the purged months is what it was.
//!
//! Ignored by default: a debug build takes minutes to insert and load the rows (see
//! `bench/retention.sh` for the release figures). Run it with
//! `cargo test -p flowsense-storage --test contract retention::scale -- --ignored`.

use super::{day, import, org, rows};
use crate::support::TestDb;
use flowsense_core::analytics::{Period, cashflow};
use std::time::Instant;

const ROWS: u64 = 1_000_000;
const ROWS_PER_IMPORT: u64 = 100_000;

pub async fn a_million_rows_purge_to_exactly_the_rows_they_should(db: &TestDb) {
    let s = &db.store;
    let a = org(s, "million", true).await;
    let bystander = org(s, "bystander", true).await;
    let start = day(2023, 1, 1);
    let mut gone = 0u64;
    let cutoff = day(2025, 10, 1);
    let started = Instant::now();
    for chunk in 0..ROWS / ROWS_PER_IMPORT {
        let batch = rows(chunk * ROWS_PER_IMPORT, ROWS_PER_IMPORT, start, 1_095);
        gone += batch.iter().filter(|r| r.posted_on < cutoff).count() as u64;
        import(s, a, &batch, &format!("chunk-{chunk}.csv")).await;
    }
    import(s, bystander, &rows(0, 1_000, start, 1_095), "b.csv").await;
    eprintln!("inserted {ROWS} rows in {:?}", started.elapsed());
    let (from, to) = (start, day(2025, 12, 31));
    let before = cashflow(
        &s.load_books(a).await.unwrap(),
        Some(from),
        Some(to),
        Period::Month,
    );

    let started = Instant::now();
    let mut purged = 0;
    loop {
        let batch = s
            .purge_transactions_before(a, cutoff, 10_000)
            .await
            .unwrap();
        purged += batch.purged;
        if batch.remaining == 0 {
            break;
        }
    }
    eprintln!("purged {purged} rows in {:?}", started.elapsed());
    assert_eq!(purged, gone);

    let books = s.load_books(a).await.unwrap();
    assert_eq!(books.txns.len() as u64, ROWS - gone);
    assert!(books.txns.iter().all(|t| t.date >= cutoff));
    assert_eq!(
        cashflow(&books, Some(from), Some(to), Period::Month),
        before
    );
    assert_eq!(s.load_books(bystander).await.unwrap().txns.len(), 1_000);
}

crate::on_both_backends!(
    #[ignore = "minutes in a debug build; bench/retention.sh runs it in release"]
    a_million_rows_purge_to_exactly_the_rows_they_should,
);

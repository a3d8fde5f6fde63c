//! Times word search (`TxnFilter::text`) over a large organisation:
//! `cargo run --release -p flowsense-storage --example search_bench -- URL ROWS [RUNS]`.
//!
//! Inserts ROWS transactions through the import path (so the search index is built as imports
//! build it) with names drawn from a small realistic set, next to a second organisation of a
//! tenth the size that must never show up, then runs each query RUNS times (first page of 50, as
//! the transactions page asks) and prints the median and the slowest time and the rows found.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed benchmark

use flowsense_core::{Currency, OrgId};
use flowsense_storage::{
    ImportMeta, NewOrg, NewTransaction, OpenOptions, OrgSettings, Store, TxnFilter,
};
use std::time::{Duration, Instant};

const NAMES: [(&str, &str, &str); 10] = [
    ("Harbour Properties", "Monthly rent", "Rent"),
    ("Car Rental Co", "Van hire", "Travel"),
    ("Northwind Payroll", "Salaries", "Payroll"),
    ("Acme Supplies", "Office supplies", "Supplies"),
    ("City Power", "Electricity bill", "Utilities"),
    ("Cloud Hosting Ltd", "Servers", "Software"),
    ("Blue Bottle", "Coffee beans", "Cost of goods"),
    ("Customer Payments", "Card sales", "Sales"),
    ("Tax Office", "VAT return", "Taxes"),
    ("Insurance Mutual", "Liability cover", "Insurance"),
];

const QUERIES: [&str; 6] = [
    "rent",
    "rent*",
    "office supplies",
    "vat",
    "payroll salaries",
    "nothingmatches",
];

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let url = args.next().expect("URL");
    let rows: usize = args.next().map_or(1_000_000, |n| n.parse().expect("ROWS"));
    let runs: usize = args.next().map_or(21, |n| n.parse().expect("RUNS"));
    let store = Store::open(
        &url,
        &OpenOptions {
            create_if_missing: true,
            ..OpenOptions::default()
        },
    )
    .await
    .expect("open");
    let t = Instant::now();
    let org = fill(&store, "bench", rows).await;
    fill(&store, "other", rows / 10).await;
    println!(
        "inserted {} rows in {:.1} s",
        rows + rows / 10,
        t.elapsed().as_secs_f64()
    );
    println!(
        "{:<20} {:>10} {:>10} {:>6}",
        "query", "median ms", "max ms", "found"
    );
    for q in QUERIES {
        let mut times = Vec::with_capacity(runs);
        let mut found = 0;
        for _ in 0..runs {
            let t = Instant::now();
            let page = store
                .list_transactions(
                    org,
                    &TxnFilter {
                        text: Some(q.into()),
                        limit: 50,
                        ..TxnFilter::default()
                    },
                )
                .await
                .unwrap();
            times.push(t.elapsed());
            found = page.items.len();
        }
        times.sort_unstable();
        println!(
            "{q:<20} {:>10.2} {:>10.2} {found:>6}",
            ms(times[times.len() / 2]),
            ms(*times.last().unwrap())
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn fill(store: &Store, slug: &str, rows: usize) -> OrgId {
    let org = store
        .create_org(&NewOrg {
            slug: format!("{slug}-{}", uuid::Uuid::new_v4().simple()),
            name: "Bench".into(),
            settings: OrgSettings::with_currency(Currency::USD),
        })
        .await
        .expect("org")
        .id;
    let meta = ImportMeta {
        file_name: "bench".into(),
        format: "csv".into(),
        sha256: String::new(),
        source: "bench".into(),
        created_by: None,
        currency: Currency::USD,
    };
    let mut imp = store.begin_import(org, &meta).await.expect("begin");
    let mut batch = Vec::with_capacity(20_000);
    for i in 0..rows {
        let (counterparty, description, category) = NAMES[(i * 7 + i / 13) % NAMES.len()];
        let amount = i64::try_from(i % 9973).unwrap() - 5000;
        batch.push(NewTransaction {
            account: ["Operating", "Savings", "Card"][i % 3].into(),
            posted_on: chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()
                + chrono::Days::new(u64::try_from(i % 900).unwrap()),
            amount_minor: amount,
            currency: "USD".into(),
            original_amount_minor: amount,
            original_currency: "USD".into(),
            counterparty: counterparty.into(),
            description: format!("{description} {}", i % 1000),
            category: category.into(),
            is_transfer: false,
            external_id: format!("fs:{slug}{i}"),
        });
        if batch.len() == 20_000 {
            imp.add_transactions(&batch).await.expect("add");
            batch.clear();
        }
    }
    imp.add_transactions(&batch).await.expect("add");
    imp.commit().await.expect("commit");
    // What the `search.index` job does after a large import, here at once.
    let started = std::time::Instant::now();
    let indexed = store.index_search_backlog(org).await.expect("index");
    eprintln!(
        "{slug}: {indexed} rows indexed for search after the import in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    org
}

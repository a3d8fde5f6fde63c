//! The retention purge over many rows, for `bench/retention.sh`, in separate steps so the purge
//! is measured on its own:
//!
//! `retention_bench seed URL ROWS` creates an organisation holding ROWS transactions spread over
//! 2023–2025 (100,000 rows per import) and prints its id;
//! `retention_bench purge URL ORG` runs the nightly purge of that organisation as of
//! 2026-01-01 12:00 UTC (90 days kept: everything before 2025-10-03 goes) and prints what went;
//! `retention_bench report URL ORG FILE` writes the organisation's monthly cash-flow report over
//! 2023–2025 to FILE (JSON) and prints how many transactions it holds and how many of them are
//! dated before the purge's cutoff, so the script can check the purge kept exactly the rows it
//! should and left the report as it was.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed benchmark

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use flowsense_core::analytics::{Period, cashflow};
use flowsense_core::{Currency, OrgId};
use flowsense_service::retention::{purge_org, retention_cutoff};
use flowsense_storage::{ImportMeta, NewOrg, NewTransaction, OpenOptions, OrgSettings, Store};
use std::time::Instant;

const ROWS_PER_IMPORT: usize = 100_000;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [step, url, what, ..] = args.as_slice() else {
        panic!("usage: retention_bench seed URL ROWS | purge URL ORG | report URL ORG FILE")
    };
    let store = Store::open(
        url,
        &OpenOptions {
            create_if_missing: true,
            ..OpenOptions::default()
        },
    )
    .await
    .expect("open");
    match step.as_str() {
        "seed" => seed(&store, what.parse().expect("ROWS")).await,
        "purge" => {
            let org = OrgId(what.parse().expect("ORG"));
            let started = Instant::now();
            let outcome = purge_org(&store, org, as_of()).await.expect("purge");
            println!(
                "purged {} transactions in {} batches in {:.2} s (cutoff {})",
                outcome.transactions_purged,
                outcome.batches,
                started.elapsed().as_secs_f64(),
                outcome.cutoff
            );
        }
        "report" => {
            let org = OrgId(what.parse().expect("ORG"));
            report(&store, org, args.get(3).expect("FILE")).await;
        }
        _ => panic!("unknown step {step}"),
    }
    store.close().await;
}

/// The instant the benchmark's purge runs at.
fn as_of() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap()
}

async fn report(store: &Store, org: OrgId, file: &str) {
    let settings = store.org(org).await.expect("org").settings;
    let cutoff = retention_cutoff(as_of(), &settings.time_zone, settings.retention_days);
    let books = store.load_books(org).await.expect("books");
    let (from, to) = (
        NaiveDate::from_ymd_opt(2023, 1, 1).unwrap(),
        NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
    );
    let monthly = cashflow(&books, Some(from), Some(to), Period::Month);
    std::fs::write(file, serde_json::to_string_pretty(&monthly).unwrap()).expect("write");
    println!(
        "{} transactions, {} dated before {cutoff}",
        books.txns.len(),
        books.txns.iter().filter(|t| t.date < cutoff).count()
    );
}

async fn seed(store: &Store, rows: usize) {
    let org = store
        .create_org(&NewOrg {
            slug: format!("bench-{}", uuid::Uuid::new_v4().simple()),
            name: "Bench".into(),
            settings: OrgSettings::with_currency(Currency::USD),
        })
        .await
        .expect("org")
        .id;
    let start = NaiveDate::from_ymd_opt(2023, 1, 1).unwrap();
    for (n, first) in (0..rows).step_by(ROWS_PER_IMPORT).enumerate() {
        let data: Vec<NewTransaction> = (first..rows.min(first + ROWS_PER_IMPORT))
            .map(|i| {
                let amount = (i64::try_from(i).expect("a row number") * 7_919 % 200_003) - 100_000;
                NewTransaction {
                    account: ["Operating", "Savings", "Card"][i % 3].into(),
                    posted_on: start + Days::new((i % 1_095) as u64),
                    amount_minor: amount,
                    currency: "USD".into(),
                    original_amount_minor: amount,
                    original_currency: "USD".into(),
                    counterparty: format!("Counterparty {}", i % 500),
                    description: format!("Payment number {i}"),
                    category: format!("Category {}", i % 40),
                    is_transfer: i % 50 == 0,
                    external_id: format!("bench-{i}"),
                }
            })
            .collect();
        let meta = ImportMeta {
            file_name: format!("bench-{n}"),
            format: "csv".into(),
            sha256: String::new(),
            source: "bench".into(),
            created_by: None,
            currency: Currency::USD,
        };
        let mut import = store.begin_import(org, &meta).await.expect("begin");
        import.add_transactions(&data).await.expect("add");
        import.commit().await.expect("commit");
    }
    println!("{}", org.0);
}

//! The retention purge over many rows, for `bench/retention.sh`, in two steps so the purge is
//! measured on its own:
//!
//! `retention_bench seed URL ROWS` creates an organisation holding ROWS transactions spread over
//! 2023–2025 (100,000 rows per import) and prints its id;
//! `retention_bench purge URL ORG` runs the nightly purge of that organisation as of
//! 2026-01-01 12:00 UTC (90 days kept: everything before 2025-10-03 goes) and prints what went.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed benchmark

use chrono::{Days, NaiveDate, TimeZone, Utc};
use flowsense_core::{Currency, OrgId};
use flowsense_service::retention::purge_org;
use flowsense_storage::{ImportMeta, NewOrg, NewTransaction, OpenOptions, OrgSettings, Store};
use std::time::Instant;

const ROWS_PER_IMPORT: usize = 100_000;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [step, url, what] = args.as_slice() else {
        panic!("usage: retention_bench seed URL ROWS | purge URL ORG");
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
            let now = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
            let started = Instant::now();
            let outcome = purge_org(&store, org, now).await.expect("purge");
            println!(
                "purged {} transactions in {} batches in {:.2} s (cutoff {})",
                outcome.transactions_purged,
                outcome.batches,
                started.elapsed().as_secs_f64(),
                outcome.cutoff
            );
        }
        _ => panic!("unknown step {step}"),
    }
    store.close().await;
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

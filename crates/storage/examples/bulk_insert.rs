//! Times the bulk import path: `cargo run --release -p flowsense-storage --example bulk_insert -- URL ROWS`.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use flowsense_core::Currency;
use flowsense_storage::{ImportMeta, NewOrg, NewTransaction, OpenOptions, OrgSettings, Store};

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let url = args.next().expect("URL");
    let rows: usize = args.next().map_or(200_000, |n| n.parse().expect("ROWS"));
    let store = Store::open(
        &url,
        &OpenOptions {
            create_if_missing: true,
            ..OpenOptions::default()
        },
    )
    .await
    .expect("open");
    let org = store
        .create_org(&NewOrg {
            slug: format!("bench-{}", uuid::Uuid::new_v4().simple()),
            name: "Bench".into(),
            settings: OrgSettings::with_currency(Currency::USD),
        })
        .await
        .expect("org")
        .id;
    let data: Vec<NewTransaction> = (0..rows)
        .map(|i| NewTransaction {
            account: ["Operating", "Savings", "Card"][i % 3].into(),
            posted_on: chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap()
                + chrono::Days::new(u64::try_from(i % 700).expect("a day")),
            amount_minor: (row(i) % 9973) - 5000,
            currency: "USD".into(),
            original_amount_minor: (row(i) % 9973) - 5000,
            original_currency: "USD".into(),
            counterparty: format!("Counterparty {}", i % 500),
            description: format!("Payment number {i}"),
            category: format!("Category {}", i % 40),
            is_transfer: false,
            external_id: format!("bench-{i}"),
        })
        .collect();
    let meta = ImportMeta {
        file_name: "bench".into(),
        format: "csv".into(),
        sha256: String::new(),
        source: "bench".into(),
        created_by: None,
        currency: Currency::USD,
    };
    let t = std::time::Instant::now();
    let mut imp = store.begin_import(org, &meta).await.expect("begin");
    for chunk in data.chunks(20_000) {
        imp.add_transactions(chunk).await.expect("add");
    }
    imp.commit().await.expect("commit");
    let s = t.elapsed().as_secs_f64();
    #[expect(clippy::cast_precision_loss, reason = "a displayed rate")]
    let rate = rows as f64 / s;
    println!("{rows} rows in {s:.2} s = {rate:.0} rows/s");
}

/// A row number as the i64 amounts are made from.
fn row(i: usize) -> i64 {
    i64::try_from(i).expect("a row number")
}

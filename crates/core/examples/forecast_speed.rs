//! Times the forecast report (forecast plus its backtest) on a million generated transactions
//! over three years: the model fitting works on weekly totals, so its cost does not grow with
//! the transactions. `cargo run --release -p flowsense-core --example forecast_speed`.

use chrono::{Days, NaiveDate};
use flowsense_core::Books;
use flowsense_core::analytics::{ReportKind, ReportOptions, run_report};
use flowsense_core::books::Txn;
use flowsense_core::money::Currency;
use std::time::Instant;

const TRANSACTIONS: i64 = 1_000_000;
const DAYS: i64 = 3 * 365;

fn main() {
    let mut books = Books::new(Currency::USD);
    let account = books.accounts.intern("Operating");
    let sales = books.categories.intern("Sales");
    let costs = books.categories.intern("Supplies");
    let counterparties: Vec<u32> = (0..500)
        .map(|n| books.counterparties.intern(&format!("Party {n}")))
        .collect();
    books.opening_balances = vec![5_000_000];
    let start = NaiveDate::from_ymd_opt(2023, 1, 1).unwrap_or_default();
    // A fixed linear congruential sequence: the same books every run.
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        state >> 33
    };
    for id in 0..TRANSACTIONS {
        let day = id * DAYS / TRANSACTIONS;
        let r = next();
        let inflow = r % 3 != 0;
        let amount = i64::try_from(r % 20_000).unwrap_or(0) + 100;
        books.txns.push(Txn {
            id,
            date: start + Days::new(u64::try_from(day).unwrap_or(0)),
            amount: if inflow { amount } else { -amount },
            account,
            category: if inflow { sales } else { costs },
            counterparty: counterparties[usize::try_from(r % 500).unwrap_or(0)],
            transfer: false,
            financing: false,
        });
    }
    let started = Instant::now();
    let report = run_report(&books, ReportKind::Forecast, &ReportOptions::default());
    let seconds = started.elapsed().as_secs_f64();
    let weeks = match &report.report {
        flowsense_core::analytics::ReportBody::Forecast(f) => f.weeks.len(),
        _ => 0,
    };
    println!(
        "forecast report ({weeks} weeks, with backtest) on {TRANSACTIONS} transactions: {seconds:.3} s"
    );
}

//! Every report over generated books at the edges of what storage can hold: amounts at the
//! bounds of `i64`, huge and tiny amounts mixed, one row, every row on one day, dates at the
//! ends of the calendar. Each must finish quickly, without a panic, with figures that saturate
//! rather than wrap. The helpers here also serve the hand-made cases (`extreme_cases`).

use chrono::{Days, NaiveDate};
use flowsense_core::analytics::{
    FlowSide, MonthlyChange, OneOff, Period, ReportBody, ReportKind, ReportOptions, RunwayStatus,
    Scenario, aging, anomalies, backtest, cash_at, cash_position, cashflow, forecast,
    forecast_with, recurring, run_report, runway, to_csv, to_json, to_table,
};
use flowsense_core::books::MonthlyRollup;
use flowsense_core::{Books, Currency, DocKind, Document, Txn};
use proptest::prelude::*;
use std::sync::mpsc;
use std::time::Duration;

/// Far more than any case needs: the guard against a report that loops or allocates without
/// bound, not a benchmark.
const BUDGET: Duration = Duration::from_secs(20);

pub const EDGE_AMOUNTS: [i64; 8] = [
    i64::MAX,
    i64::MIN,
    i64::MAX - 1,
    i64::MIN + 1,
    1,
    -1,
    0,
    92_233_720_368_547_758,
];

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
}

/// The first and last days chrono, PostgreSQL's `date` or a four-digit year can hold.
pub fn edge_dates() -> [NaiveDate; 6] {
    [
        NaiveDate::MIN,
        NaiveDate::MAX,
        d(1, 1, 1),
        d(9999, 12, 31),
        d(1900, 1, 1),
        d(2200, 12, 31),
    ]
}

fn amount() -> impl Strategy<Value = i64> {
    prop_oneof![
        3 => prop::sample::select(EDGE_AMOUNTS.to_vec()),
        2 => any::<i64>(),
        2 => -100_000i64..100_000,
        1 => -1_000_000_000_000_000i64..1_000_000_000_000_000,
    ]
}

fn date() -> impl Strategy<Value = NaiveDate> {
    prop_oneof![
        1 => prop::sample::select(edge_dates().to_vec()),
        4 => (0u64..1_500).prop_map(|n| d(2024, 1, 1) + Days::new(n)),
    ]
}

#[derive(Debug, Clone)]
pub struct Row {
    pub date: NaiveDate,
    pub amount: i64,
    pub account: u32,
    pub category: u32,
    pub counterparty: u32,
    pub transfer: bool,
}

fn row() -> impl Strategy<Value = Row> {
    (
        date(),
        amount(),
        0u32..3,
        0u32..5,
        0u32..5,
        prop::bool::weighted(0.1),
    )
        .prop_map(
            |(date, amount, account, category, counterparty, transfer)| Row {
                date,
                amount,
                account,
                category,
                counterparty,
                transfer,
            },
        )
}

pub fn books_of(rows: &[Row], openings: &[i64]) -> Books {
    let mut books = Books::new(Currency::USD);
    for i in 0..5 {
        books.accounts.intern(&format!("Account {i}"));
        books.categories.intern(&format!("Category {i}"));
        books.counterparties.intern(&format!("Counterparty {i}"));
    }
    books.opening_balances = openings.to_vec();
    for (i, r) in rows.iter().enumerate() {
        books.txns.push(Txn {
            id: i64::try_from(i).expect("small id"),
            date: r.date,
            amount: r.amount,
            account: r.account,
            category: r.category,
            counterparty: r.counterparty,
            transfer: r.transfer,
            financing: false,
        });
    }
    books
}

fn saturate(exact: i128) -> i64 {
    i64::try_from(exact).unwrap_or(if exact < 0 { i64::MIN } else { i64::MAX })
}

/// Runs `work` on its own thread and fails when it takes longer than [`BUDGET`].
pub fn within_budget(what: &str, work: impl FnOnce() + Send + 'static) {
    let (done, finished) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        work();
        let _ = done.send(());
    });
    match finished.recv_timeout(BUDGET) {
        Ok(()) => worker.join().expect("the reports do not panic"),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            // The worker panicked: surface its message.
            if let Err(panic) = worker.join() {
                std::panic::resume_unwind(panic);
            }
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{what}: no answer within {BUDGET:?}"),
    }
}

/// Every report, in every format, at the default and at the edge `as_of` days, with checks
/// that hold whatever the books.
pub fn every_report(books: &Books) {
    let mut days: Vec<Option<NaiveDate>> = vec![None];
    days.extend(edge_dates().into_iter().map(Some));
    for as_of in days {
        for period in [Period::Day, Period::Week, Period::Month] {
            let options = ReportOptions {
                as_of,
                period,
                ..ReportOptions::default()
            };
            for kind in ReportKind::ALL {
                let report = run_report(books, kind, &options);
                let json: serde_json::Value =
                    serde_json::from_str(&to_json(&report)).expect("every report is valid JSON");
                assert!(json["report"].is_object());
                let _ = (to_table(&report), to_csv(&report));
                check(books, as_of, &report.report);
            }
        }
    }
    for (from, to) in [
        (Some(NaiveDate::MIN), Some(NaiveDate::MAX)),
        (Some(d(1, 1, 1)), Some(d(9999, 12, 31))),
        (Some(NaiveDate::MAX), Some(NaiveDate::MIN)),
    ] {
        for period in [Period::Day, Period::Week, Period::Month] {
            let _ = cashflow(books, from, to, period);
        }
        let _ = cash_position(books, from, to);
    }
    let scenario = Scenario {
        one_offs: vec![
            OneOff {
                date: d(2024, 1, 3),
                amount: i64::MIN,
            },
            OneOff {
                date: NaiveDate::MAX,
                amount: i64::MAX,
            },
        ],
        monthly_changes: vec![MonthlyChange {
            from: NaiveDate::MIN,
            amount: i64::MAX,
            side: FlowSide::Inflow,
        }],
        customer_delay_days: u32::MAX,
        drop_recurring: vec!["Counterparty 1".into()],
    };
    for day in edge_dates() {
        let _ = (cash_at(books, day), runway(books, day), aging(books, day));
        let _ = (recurring(books, day), anomalies(books, None, day));
        let _ = (forecast(books, day), backtest(books, day));
        let f = forecast_with(books, day, &scenario);
        for w in &f.weeks {
            for band in [w.inflow, w.outflow, w.net, w.ending_cash] {
                assert!(band.p10 <= band.p50 && band.p50 <= band.p90, "{band:?}");
            }
        }
    }
}

/// What holds of each report whatever the books: exact totals saturate at the bounds, bands are
/// ordered, fractions are finite.
fn check(books: &Books, as_of: Option<NaiveDate>, report: &ReportBody) {
    match report {
        ReportBody::Cashflow(r) => {
            assert!(r.total.inflow >= 0 && r.total.outflow <= 0, "{:?}", r.total);
            if as_of.is_none() {
                let exact: i128 = books
                    .txns
                    .iter()
                    .filter(|t| !t.transfer)
                    .map(|t| i128::from(t.amount))
                    .sum();
                assert_eq!(r.total.net, saturate(exact), "net saturates, never wraps");
            }
        }
        ReportBody::Forecast(r) => {
            assert_eq!(r.weeks.len(), 13);
            for w in &r.weeks {
                for band in [w.inflow, w.outflow, w.net, w.ending_cash] {
                    assert!(band.p10 <= band.p50 && band.p50 <= band.p90, "{band:?}");
                }
                assert!(w.inflow.p10 >= 0 && w.outflow.p90 <= 0);
            }
        }
        ReportBody::Runway(r) => {
            let exact: i128 = books
                .opening_balances
                .iter()
                .map(|&b| i128::from(b))
                .chain(
                    books
                        .txns
                        .iter()
                        .filter(|t| t.date <= r.as_of)
                        .map(|t| i128::from(t.amount)),
                )
                .sum();
            assert_eq!(r.cash_now, saturate(exact), "cash saturates, never wraps");
            if let RunwayStatus::Burning {
                months_of_runway,
                average_monthly_burn,
                ..
            } = r.status
            {
                assert!(months_of_runway.is_finite() && months_of_runway >= 0.0);
                assert!(
                    average_monthly_burn >= 0,
                    "a burn of under a minor unit rounds to 0"
                );
            }
        }
        ReportBody::Aging(r) => {
            assert!(r.dso_days.is_none_or(f64::is_finite));
            let c = &r.concentration;
            for bp in [c.top1_bp, c.top3_bp, c.top5_bp] {
                assert!((0..=10_000).contains(&bp), "{bp}");
            }
        }
        _ => {}
    }
}

fn documents(specs: &[(NaiveDate, i64, i64, Option<i64>, bool)]) -> Vec<Document> {
    let shift = |date: NaiveDate, by: i64| {
        date.checked_add_signed(chrono::TimeDelta::days(by))
            .unwrap_or(date)
    };
    specs
        .iter()
        .enumerate()
        .map(
            |(i, &(issued, amount, due_after, paid_after, invoice))| Document {
                kind: if invoice {
                    DocKind::Invoice
                } else {
                    DocKind::Bill
                },
                number: format!("N{i}"),
                counterparty: u32::try_from(i % 6).expect("small"),
                issued,
                due: shift(issued, due_after),
                paid: paid_after.map(|p| shift(issued, p)),
                amount,
            },
        )
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn every_report_finishes_on_extreme_books(
        rows in prop::collection::vec(row(), 0..24),
        openings in prop::collection::vec(amount(), 0..4),
        docs in prop::collection::vec(
            (date(), amount(), -40i64..120, prop::option::of(-40i64..200), any::<bool>()),
            0..8,
        ),
        rollups in prop::collection::vec((date(), 0u32..6, amount(), amount()), 0..4),
        same_day in prop::option::of(date()),
    ) {
        let mut rows = rows;
        if let Some(day) = same_day {
            for r in &mut rows {
                r.date = day;
            }
        }
        let mut books = books_of(&rows, &openings);
        books.documents = documents(&docs);
        books.rollups = rollups
            .into_iter()
            .map(|(month, category, inflow, outflow)| MonthlyRollup {
                month,
                category,
                inflow,
                outflow,
                count: 1,
            })
            .collect();
        within_budget("extreme books", move || every_report(&books));
    }
}

use chrono::{Days, NaiveDate};
use flowsense_core::analytics::{
    Period, ReportKind, ReportOptions, anomalies, backtest, cash_position, cashflow, forecast,
    run_report, to_csv, to_json, to_table,
};
use flowsense_core::books::MonthlyRollup;
use flowsense_core::{Books, Currency, DocKind, Document, Txn};
use proptest::prelude::*;

const NAMES: [&str; 6] = ["Alpha", "Beta", "=Gamma", "Delta, Inc", "", "Transfer"];

#[derive(Debug, Clone)]
struct RawTxn {
    day: u32,
    amount: i64,
    account: usize,
    category: usize,
    counterparty: usize,
    transfer: bool,
}

fn raw_txn(max_day: u32, amounts: impl Strategy<Value = i64>) -> impl Strategy<Value = RawTxn> {
    (
        0..max_day,
        amounts,
        0..3usize,
        0..5usize,
        0..6usize,
        proptest::bool::weighted(0.1),
    )
        .prop_map(
            |(day, amount, account, category, counterparty, transfer)| RawTxn {
                day,
                amount,
                account,
                category,
                counterparty,
                transfer,
            },
        )
}

fn build(base: NaiveDate, raw: &[RawTxn]) -> Books {
    let mut books = Books::new(Currency::EUR);
    // Intern every name first so ids do not depend on transaction order.
    for name in NAMES {
        books.accounts.intern(name);
        books.categories.intern(name);
        books.counterparties.intern(name);
    }
    books.opening_balances = vec![1_000, -50, 0];
    for (i, r) in raw.iter().enumerate() {
        books.txns.push(Txn {
            id: i64::try_from(i).expect("small id"),
            date: base
                .checked_add_days(Days::new(u64::from(r.day)))
                .unwrap_or(NaiveDate::MAX),
            amount: r.amount,
            account: u32::try_from(r.account).expect("small id"),
            category: u32::try_from(r.category).expect("small id"),
            counterparty: u32::try_from(r.counterparty).expect("small id"),
            transfer: r.transfer,
            financing: false,
        });
    }
    books
}

fn base() -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 1, 1).expect("valid date")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn parts_add_up_to_the_total(
        raw in prop::collection::vec(raw_txn(800, -1_000_000i64..1_000_000), 0..300),
        period in prop::sample::select(vec![Period::Day, Period::Week, Period::Month]),
    ) {
        let books = build(base(), &raw);
        let report = cashflow(&books, None, None, period);
        let sum = |flows: &mut dyn Iterator<Item = (i64, i64, i64, u64)>| {
            flows.fold((0i128, 0i128, 0i128, 0u64), |a, f| {
                (a.0 + i128::from(f.0), a.1 + i128::from(f.1), a.2 + i128::from(f.2), a.3 + f.3)
            })
        };
        let t = report.total;
        let total = (i128::from(t.inflow), i128::from(t.outflow), i128::from(t.net), t.count);
        let expected: i128 = raw.iter().filter(|r| !r.transfer).map(|r| i128::from(r.amount)).sum();
        prop_assert_eq!(total.2, expected);
        prop_assert_eq!(sum(&mut report.periods.iter().map(|p| (p.flow.inflow, p.flow.outflow, p.flow.net, p.flow.count))), total);
        for list in [&report.by_category, &report.by_counterparty, &report.by_account] {
            prop_assert_eq!(sum(&mut list.iter().map(|n| (n.flow.inflow, n.flow.outflow, n.flow.net, n.flow.count))), total);
        }
        for p in &report.periods {
            let whole = (i128::from(p.flow.inflow), i128::from(p.flow.outflow), i128::from(p.flow.net), p.flow.count);
            let by_cat = sum(&mut p.by_category.iter().map(|n| (n.flow.inflow, n.flow.outflow, n.flow.net, n.flow.count)));
            prop_assert_eq!(by_cat, whole);
            let by_account = sum(&mut p.by_account.iter().map(|n| (n.flow.inflow, n.flow.outflow, n.flow.net, n.flow.count)));
            prop_assert_eq!(by_account, whole);
        }
        let position = cash_position(&books, None, None);
        if let Some(last) = position.days.last() {
            let all: i128 = raw.iter().map(|r| i128::from(r.amount)).sum::<i128>() + 950;
            prop_assert_eq!(i128::from(last.total), all);
            prop_assert_eq!(last.balances.iter().map(|&b| i128::from(b)).sum::<i128>(), all);
        }
    }

    #[test]
    fn input_order_does_not_matter(
        (raw, order) in prop::collection::vec(raw_txn(500, -500_000i64..500_000), 0..150)
            .prop_flat_map(|v| {
                let indices: Vec<usize> = (0..v.len()).collect();
                (Just(v), Just(indices).prop_shuffle())
            }),
    ) {
        let a = build(base(), &raw);
        let mut b = a.clone();
        // The same transactions (same ids) in another order.
        b.txns = order.iter().map(|&i| a.txns[i]).collect();
        for kind in ReportKind::ALL {
            for period in [Period::Day, Period::Week, Period::Month] {
                let options = ReportOptions { period, ..ReportOptions::default() };
                prop_assert_eq!(
                    to_json(&run_report(&a, kind, &options)),
                    to_json(&run_report(&b, kind, &options))
                );
            }
        }
    }

    #[test]
    fn no_input_panics(
        raw in prop::collection::vec(
            raw_txn(
                2_600_000,
                prop_oneof![
                    Just(i64::MAX / 4), Just(-(i64::MAX / 4)), Just(0i64), -1_000i64..1_000, any::<i64>().prop_map(|v| v / 4)
                ],
            ),
            0..40,
        ),
        docs in prop::collection::vec((0u32..2_600_000, -100i64..200, prop::option::of(-100i64..400), any::<i64>().prop_map(|v| v / 4), 0usize..6, any::<bool>()), 0..8),
        as_of_day in prop::option::of(0u32..2_700_000),
        period in prop::sample::select(vec![Period::Day, Period::Week, Period::Month]),
        same_day in any::<bool>(),
    ) {
        let mut raw = raw;
        if same_day {
            for r in &mut raw { r.day = 10; }
        }
        let start = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
        let mut books = build(start, &raw);
        let day = |n: u32| start.checked_add_days(Days::new(u64::from(n))).unwrap_or(NaiveDate::MAX);
        let shift = |d: NaiveDate, by: i64| d.checked_add_signed(chrono::TimeDelta::days(by)).unwrap_or(d);
        for (i, (issued, due_after, paid_after, amount, cp, invoice)) in docs.into_iter().enumerate() {
            let issued = day(issued);
            books.documents.push(Document {
                kind: if invoice { DocKind::Invoice } else { DocKind::Bill },
                number: format!("N{i}"),
                counterparty: u32::try_from(cp).unwrap(),
                issued,
                due: shift(issued, due_after),
                paid: paid_after.map(|p| shift(issued, p)),
                amount,
            });
        }
        books.rollups.push(MonthlyRollup { month: start, category: 1, inflow: i64::MAX / 4, outflow: -(i64::MAX / 4), count: 3 });
        books.txns.push(Txn { id: 9_999, date: start, amount: 5, account: u32::MAX, category: u32::MAX, counterparty: u32::MAX, transfer: false, financing: false });
        let options = ReportOptions { as_of: as_of_day.map(day), from: None, to: None, period };
        for kind in ReportKind::ALL {
            let report = run_report(&books, kind, &options);
            let _ = (to_json(&report), to_table(&report), to_csv(&report));
        }
        let early = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap();
        let _ = cash_position(&books, Some(early), Some(day(30_000)));
        let _ = forecast(&books, early);
        let _ = anomalies(&books, None, early);
        let _ = backtest(&books, NaiveDate::MAX);
        let _ = cashflow(&books, Some(NaiveDate::MIN), Some(NaiveDate::MAX), period);
    }
}

#[test]
fn empty_books_give_empty_reports() {
    let books = Books::new(Currency::USD);
    for kind in ReportKind::ALL {
        let report = run_report(&books, kind, &ReportOptions::default());
        let _ = (to_json(&report), to_table(&report), to_csv(&report));
    }
    assert!(
        cashflow(&books, None, None, Period::Month)
            .periods
            .is_empty()
    );
}

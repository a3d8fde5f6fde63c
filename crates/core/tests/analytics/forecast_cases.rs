use super::books_builder::{Builder, d};
use super::synthetic::seasonal_books;
use chrono::Days;
use flowsense_core::DocKind;
use flowsense_core::analytics::{ForecastStream, backtest, forecast};
use proptest::prelude::*;

#[test]
fn forecast_beats_the_naive_baseline_on_seasonal_books() {
    for seed in [3, 19, 42] {
        let (books, _) = seasonal_books(seed);
        let result = backtest(&books, d(2025, 6, 30)).expect("enough history");
        let ours = result.forecast_wape_bp.expect("flows moved");
        let naive = result.naive_wape_bp.expect("flows moved");
        assert!(
            ours < naive,
            "seed {seed}: forecast WAPE {ours} bp vs naive {naive} bp"
        );
        assert!(
            result.forecast_ending_cash_error.abs() < result.naive_ending_cash_error.abs(),
            "seed {seed}: {result:?}"
        );
        assert_eq!(result.weeks.len(), 13);
    }
}

#[test]
fn forecast_bands_are_ordered_and_cash_adds_up() {
    let (books, _) = seasonal_books(5);
    let report = forecast(&books, d(2025, 6, 30));
    assert!(report.yearly_seasonality);
    assert_eq!(report.weeks.len(), 13);
    assert_eq!(report.weeks[0].start, d(2025, 7, 1));
    let mut cash = i128::from(report.starting_cash);
    for w in &report.weeks {
        for band in [w.inflow, w.outflow, w.net, w.ending_cash] {
            assert!(band.p10 <= band.p50 && band.p50 <= band.p90, "{band:?}");
        }
        cash += i128::from(w.net.p50);
        // Each week is rounded once, so the running sum may drift by a unit per week.
        assert!((cash - i128::from(w.ending_cash.p50)).abs() <= 13);
    }
    let width = |b: flowsense_core::analytics::Band| i128::from(b.p90) - i128::from(b.p10);
    for pair in report.weeks.windows(2) {
        assert!(width(pair[1].ending_cash) >= width(pair[0].ending_cash));
    }
    assert!(width(report.weeks[12].ending_cash) > 2 * width(report.weeks[0].ending_cash));
}

/// Weekly amounts of a degenerate kind: none, all zero, one constant, near the bounds of
/// `i64`, or anything.
fn degenerate_weeks() -> impl Strategy<Value = Vec<i64>> {
    let weeks = 0..70usize;
    prop_oneof![
        weeks.clone().prop_map(|n| vec![0; n]),
        (weeks, any::<i64>()).prop_map(|(n, v)| vec![v; n]),
        prop::collection::vec(
            prop_oneof![Just(i64::MAX), Just(i64::MIN), Just(-i64::MAX), Just(0)],
            0..70
        ),
        prop::collection::vec(any::<i64>(), 0..70),
        prop::collection::vec(-1_000_000i64..1_000_000, 0..3),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn bands_stay_ordered_on_degenerate_books(
        inflows in degenerate_weeks(),
        outflows in degenerate_weeks(),
        invoice in any::<i64>(),
        rent in any::<i64>(),
    ) {
        let mut b = Builder::new();
        let start = d(2024, 1, 1);
        for (n, amount) in inflows.iter().enumerate() {
            b.txn(start + Days::new(7 * n as u64), *amount, "Sales", "Shop");
        }
        for (n, amount) in outflows.iter().enumerate() {
            b.txn(start + Days::new(7 * n as u64 + 2), *amount, "Supplies", "Vendor");
        }
        for n in 0..8u64 {
            b.txn(start + Days::new(30 * n), rent.min(-1), "Rent", "Landlord");
        }
        b.doc(DocKind::Invoice, "Client", start, start + Days::new(30), None, invoice);
        let as_of = start + Days::new(7 * inflows.len().max(outflows.len()) as u64);
        let report = forecast(&b.books, as_of);
        prop_assert_eq!(report.weeks.len(), 13);
        let mut previous = 0i128;
        for w in &report.weeks {
            for band in [w.inflow, w.outflow, w.net, w.ending_cash] {
                prop_assert!(band.p10 <= band.p50 && band.p50 <= band.p90, "{:?}", band);
            }
            let width = i128::from(w.ending_cash.p90) - i128::from(w.ending_cash.p10);
            // Saturated at the bounds of i64 the range may only narrow by clamping. The spread is
            // fitted in f64, whose step near 10^18 minor units is 128: a range that wide may
            // lose that rounding (2^-40 of it) from one week to the next, and no more.
            prop_assert!(width >= previous - (previous >> 40) || w.ending_cash.p90 == i64::MAX
                || w.ending_cash.p10 == i64::MIN, "{} then {}", previous, width);
            previous = width;
        }
        prop_assert!(report.model.origins <= 52);
        prop_assert!(report.model.coverage_bp.is_none_or(|c| (0..=10_000).contains(&c)));
    }
}

#[test]
fn open_invoices_arrive_late_by_the_customers_own_habit() {
    let mut b = Builder::new();
    let as_of = d(2024, 6, 30);
    for n in 0..4u64 {
        let due = d(2024, 1, 15) + Days::new(30 * n);
        b.doc(
            DocKind::Invoice,
            "Slow Co",
            due - Days::new(30),
            due,
            Some(due + Days::new(21)),
            5_000,
        );
    }
    b.doc(
        DocKind::Invoice,
        "Slow Co",
        d(2024, 6, 1),
        d(2024, 7, 1),
        None,
        77_000,
    );
    b.doc(
        DocKind::Bill,
        "Supplier",
        d(2024, 6, 20),
        d(2024, 7, 10),
        None,
        12_000,
    );
    b.txn(as_of, 1, "Sales", "Shop");
    let report = forecast(&b.books, as_of);
    let week_of = |date| {
        report
            .weeks
            .iter()
            .position(|w| w.start <= date && date <= w.end)
    };
    let invoice_week = week_of(d(2024, 7, 22)).expect("in horizon");
    assert_eq!(report.weeks[invoice_week].open_invoices, 77_000);
    let bill_week = week_of(d(2024, 7, 10)).expect("in horizon");
    assert_eq!(report.weeks[bill_week].open_bills, -12_000);
    let total_invoices: i64 = report.weeks.iter().map(|w| w.open_invoices).sum();
    assert_eq!(total_invoices, 77_000);
}

#[test]
fn recurring_payments_land_on_their_next_dates() {
    let mut b = Builder::new();
    for n in 0..6u64 {
        b.txn(
            d(2024, 1, 5) + Days::new(14 * n),
            -100_000,
            "Payroll",
            "Payroll Inc",
        );
    }
    let as_of = d(2024, 3, 16);
    let report = forecast(&b.books, as_of);
    let paid: Vec<i64> = report.weeks.iter().map(|w| w.recurring).collect();
    // Next pay days: 2024-03-29, then every 14 days.
    assert_eq!(paid.iter().filter(|&&p| p == -100_000).count(), 6);
    assert_eq!(paid[0], 0);
    assert_eq!(paid[1], -100_000);
}

#[test]
fn backtest_needs_history() {
    let mut b = Builder::new();
    b.txn(d(2024, 1, 1), 100, "Sales", "Shop");
    assert!(backtest(&b.books, d(2024, 2, 1)).is_none());
}

#[test]
fn the_forecast_says_which_method_each_stream_uses_and_why() {
    let (books, _) = seasonal_books(7);
    let report = forecast(&books, d(2025, 6, 30));
    let model = &report.model;
    let streams: Vec<_> = model.streams.iter().map(|s| s.stream).collect();
    assert_eq!(streams, ForecastStream::ALL);
    assert!((12..=52).contains(&model.origins), "{model:?}");
    let coverage = model.coverage_bp.expect("cross-validated");
    assert!((6_000..=9_500).contains(&coverage), "{coverage}");
    for stream in &model.streams {
        assert!(stream.runners_up.len() <= 3);
        let weight: i64 = stream.blend.iter().map(|(_, w)| w).sum();
        assert!((9_998..=10_002).contains(&weight), "{stream:?}");
        assert_eq!(stream.blend[0].0, stream.chosen.method);
        // Runners-up did no better than the chosen method.
        for other in &stream.runners_up {
            assert!(other.wape_bp >= stream.chosen.wape_bp, "{stream:?}");
        }
    }
    let json = serde_json::to_value(&report).expect("serialisable");
    assert_eq!(json["model"]["streams"][0]["stream"], "other_inflows");
    assert!(json["model"]["streams"][2]["chosen"]["description"].is_string());
}

#[test]
fn the_likely_range_is_measured_over_backtests() {
    // The ranges come from the whole forecast's errors at a year of past weeks, open invoices,
    // bills and recurring payments included (74 % when last measured; 57 % when they came
    // from the baseline streams' errors alone, blind to those items' timing).
    let (mut inside, mut total) = (0i64, 0i64);
    for seed in [3, 19, 42, 5] {
        let (books, _) = seasonal_books(seed);
        for end in [d(2024, 12, 31), d(2025, 3, 31), d(2025, 6, 30)] {
            let result = backtest(&books, end).expect("enough history");
            let weeks = i64::try_from(result.weeks.len()).expect("13");
            inside += result.coverage_bp.expect("weeks") * weeks;
            total += weeks * 10_000;
            for w in &result.weeks {
                assert!(
                    w.forecast_net_low <= w.forecast_net && w.forecast_net <= w.forecast_net_high
                );
            }
        }
    }
    let coverage = inside * 100 / total;
    println!("P10-P90 coverage over backtests: {coverage}%");
    assert!((60..=95).contains(&coverage), "coverage {coverage}%");
}

/// The case the property test shrank to: an invoice and a rent of some 10^17 minor units. The
/// range keeps widening, to within the f64 rounding of so wide a range.
#[test]
fn a_range_of_huge_amounts_widens_within_its_rounding() {
    let mut b = Builder::new();
    let start = d(2024, 1, 1);
    for n in 0..22u64 {
        b.txn(start + Days::new(7 * n + 2), 0, "Supplies", "Vendor");
    }
    for n in 0..8u64 {
        b.txn(
            start + Days::new(30 * n),
            -17_151_520_449_371_939,
            "Rent",
            "Landlord",
        );
    }
    let invoice = 486_665_467_466_724_960;
    b.doc(
        DocKind::Invoice,
        "Client",
        start,
        start + Days::new(30),
        None,
        invoice,
    );
    let report = forecast(&b.books, start + Days::new(7 * 22));
    let mut previous = 0i128;
    for w in &report.weeks {
        let width = i128::from(w.ending_cash.p90) - i128::from(w.ending_cash.p10);
        assert!(
            width >= previous - (previous >> 40),
            "{previous} then {width}"
        );
        assert!(
            width >= i128::from(invoice),
            "the invoice's timing is in the range"
        );
        previous = width;
    }
}

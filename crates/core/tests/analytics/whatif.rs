//! What-if scenarios on the forecast, as properties over random books: each change moves the
//! ending cash by exactly what it says, from the week it lands in, and nothing else.

use super::books_builder::{Builder, d};
use chrono::{Days, Months, NaiveDate};
use flowsense_core::analytics::{
    FlowSide, ForecastReport, MonthlyChange, OneOff, Scenario, forecast, forecast_with,
};
use flowsense_core::{Books, DocKind};
use proptest::prelude::*;

const AS_OF: (i32, u32, u32) = (2025, 3, 31);
const HORIZON_DAYS: u64 = 91;

fn as_of() -> NaiveDate {
    d(AS_OF.0, AS_OF.1, AS_OF.2)
}

/// A small business: daily sales, a monthly subscription and rent, invoices to two customers
/// (some paid late, some still open) and a few bills.
#[derive(Debug, Clone)]
struct Shape {
    sales: Vec<(u16, i64)>,
    subscription: i64,
    rent: i64,
    invoices: Vec<(u16, u8, Option<u8>, i64, bool)>,
    bills: Vec<(u16, i64)>,
}

fn shape() -> impl Strategy<Value = Shape> {
    (
        prop::collection::vec((0u16..450, 1_000i64..400_000), 20..160),
        1_000i64..50_000,
        100_000i64..900_000,
        prop::collection::vec(
            (
                0u16..450,
                0u8..45,
                prop::option::weighted(0.7, 0u8..60),
                10_000i64..2_000_000,
                any::<bool>(),
            ),
            0..30,
        ),
        prop::collection::vec((0u16..450, 5_000i64..600_000), 0..12),
    )
        .prop_map(|(sales, subscription, rent, invoices, bills)| Shape {
            sales,
            subscription,
            rent,
            invoices,
            bills,
        })
}

fn books(s: &Shape) -> Books {
    let start = d(2024, 1, 1);
    let day = |n: u16| start + Days::new(u64::from(n));
    let mut b = Builder::new();
    b.opening("Operating", 2_000_000);
    for &(n, amount) in &s.sales {
        b.txn(day(n), amount, "Sales", "Card sales");
    }
    for m in 0..15u32 {
        let date = d(2024, 1, 3) + Months::new(m);
        b.txn(date, -s.subscription, "Software", "SaaS Co");
        b.txn(date + Days::new(2), -s.rent, "Rent", "Landlord");
    }
    for &(n, terms, late, amount, second) in &s.invoices {
        let issued = day(n);
        let due = issued + Days::new(u64::from(terms));
        let customer = if second { "Slow Co" } else { "Quick Co" };
        let paid = late
            .map(|l| due + Days::new(u64::from(l)))
            .filter(|p| *p <= as_of());
        if let Some(p) = paid {
            b.txn(p, amount, "Sales", customer);
        }
        if issued <= as_of() {
            b.doc(DocKind::Invoice, customer, issued, due, paid, amount);
        }
    }
    for &(n, amount) in &s.bills {
        let issued = day(n);
        if issued <= as_of() {
            b.doc(
                DocKind::Bill,
                "Roaster Supply",
                issued,
                issued + Days::new(30),
                None,
                amount,
            );
        }
    }
    b.books
}

fn ending(r: &ForecastReport) -> Vec<i64> {
    r.weeks.iter().map(|w| w.ending_cash.p50).collect()
}

fn assert_bands_ordered(r: &ForecastReport) {
    for w in &r.weeks {
        for b in [w.inflow, w.outflow, w.net, w.ending_cash] {
            assert!(b.p10 <= b.p50 && b.p50 <= b.p90, "{b:?}");
        }
    }
}

/// `after - before` for each week equals `expected[week]`, to within the one unit that
/// rounding a running sum once may move.
fn assert_shift(before: &ForecastReport, after: &ForecastReport, expected: &[i128]) {
    for (k, ((b, a), e)) in ending(before)
        .iter()
        .zip(ending(after))
        .zip(expected)
        .enumerate()
    {
        let moved = i128::from(a) - i128::from(*b);
        assert!(
            (moved - e).abs() <= 1,
            "week {k}: moved {moved}, expected {e}"
        );
    }
}

/// The cumulative effect, per forecast week, of `amount` on each of `dates`.
fn cumulative(dates: &[NaiveDate], amount: i64) -> Vec<i128> {
    (0..13u64)
        .map(|k| {
            let end = as_of() + Days::new(7 * (k + 1));
            let n = dates.iter().filter(|&&x| x > as_of() && x <= end).count();
            i128::try_from(n).unwrap_or(0) * i128::from(amount)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn an_empty_scenario_is_the_forecast(s in shape()) {
        let b = books(&s);
        prop_assert_eq!(forecast_with(&b, as_of(), &Scenario::default()), forecast(&b, as_of()));
    }

    #[test]
    fn a_one_off_moves_cash_by_its_amount_from_its_week_on(
        s in shape(),
        day in 0u64..120,
        amount in -50_000_000i64..50_000_000,
    ) {
        let b = books(&s);
        let date = as_of() + Days::new(day);
        let base = forecast(&b, as_of());
        let scenario = Scenario {
            one_offs: vec![OneOff { date, amount }],
            ..Scenario::default()
        };
        let moved = forecast_with(&b, as_of(), &scenario);
        assert_bands_ordered(&moved);
        assert_shift(&base, &moved, &cumulative(&[date], amount));
        if day == 0 || day > HORIZON_DAYS {
            prop_assert_eq!(moved, base, "outside the horizon nothing moves");
        }
    }

    #[test]
    fn a_monthly_change_lands_once_a_month_from_its_start(
        s in shape(),
        start in -400i64..120,
        amount in -5_000_000i64..5_000_000,
        costs in any::<bool>(),
    ) {
        let b = books(&s);
        let from = as_of().checked_add_signed(chrono::TimeDelta::days(start)).expect("date");
        let base = forecast(&b, as_of());
        let side = if costs { FlowSide::Outflow } else { FlowSide::Inflow };
        let scenario = Scenario {
            monthly_changes: vec![MonthlyChange { from, amount, side }],
            ..Scenario::default()
        };
        let moved = forecast_with(&b, as_of(), &scenario);
        assert_bands_ordered(&moved);
        let dates: Vec<NaiveDate> = (0..30u32)
            .filter_map(|n| from.checked_add_months(Months::new(n)))
            .collect();
        assert_shift(&base, &moved, &cumulative(&dates, amount));
    }

    #[test]
    fn dropping_a_recurring_payment_saves_exactly_its_expected_payments(s in shape()) {
        let b = books(&s);
        let items = flowsense_core::analytics::recurring::detect_recurring(&b, as_of());
        let rent = items.iter().find(|i| i.counterparty == "Landlord").expect("rent recurs");
        let horizon_end = as_of() + Days::new(HORIZON_DAYS);
        let dates = rent.dates_between(as_of(), horizon_end);
        prop_assert!(!dates.is_empty());
        let base = forecast(&b, as_of());
        let scenario = Scenario {
            drop_recurring: vec!["Landlord".into(), "Nobody at all".into()],
            ..Scenario::default()
        };
        let moved = forecast_with(&b, as_of(), &scenario);
        assert_bands_ordered(&moved);
        assert_shift(&base, &moved, &cumulative(&dates, -rent.typical_amount));
    }

    #[test]
    fn later_customers_never_mean_more_cash(
        s in shape(),
        shorter in 0u32..60,
        extra in 1u32..60,
    ) {
        let b = books(&s);
        let with_delay = |days: u32| {
            forecast_with(&b, as_of(), &Scenario { customer_delay_days: days, ..Scenario::default() })
        };
        let (early, late) = (with_delay(shorter), with_delay(shorter + extra));
        assert_bands_ordered(&late);
        for (k, (e, l)) in ending(&early).iter().zip(ending(&late)).enumerate() {
            prop_assert!(l <= e + 1, "week {k}: {l} after a longer delay vs {e}");
        }
        // Bills, recurring payments and other flows do not move.
        for (e, l) in early.weeks.iter().zip(&late.weeks) {
            prop_assert_eq!((e.open_bills, e.recurring), (l.open_bills, l.recurring));
        }
    }
}

#[test]
fn a_delay_pushes_an_open_invoice_into_a_later_week_or_past_the_horizon() {
    let mut b = Builder::new();
    b.opening("Operating", 1_000_000);
    for m in 0..6u32 {
        b.txn(d(2024, 10, 5) + Months::new(m), -10_000, "Rent", "Landlord");
    }
    b.doc(
        DocKind::Invoice,
        "Client",
        d(2025, 3, 1),
        d(2025, 4, 3),
        None,
        500_000,
    );
    let base = forecast(&b.books, as_of());
    let week_of_invoice = |r: &ForecastReport| r.weeks.iter().position(|w| w.open_invoices > 0);
    assert_eq!(week_of_invoice(&base), Some(0));
    let delayed = forecast_with(
        &b.books,
        as_of(),
        &Scenario {
            customer_delay_days: 30,
            ..Scenario::default()
        },
    );
    assert_eq!(week_of_invoice(&delayed), Some(4));
    assert_eq!(
        delayed.weeks[3].ending_cash.p50,
        base.weeks[3].ending_cash.p50 - 500_000
    );
    let gone = forecast_with(
        &b.books,
        as_of(),
        &Scenario {
            customer_delay_days: 120,
            ..Scenario::default()
        },
    );
    assert_eq!(week_of_invoice(&gone), None);
    assert_eq!(
        gone.weeks[12].ending_cash.p50,
        base.weeks[12].ending_cash.p50 - 500_000
    );
}

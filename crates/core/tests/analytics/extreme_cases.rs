//! Hand-made extreme books: the three rows that brought the server down, one row at each
//! bound, alternating extremes, one day, a price rise to `i64::MIN`, and books spanning the
//! whole calendar.

use super::extreme_books::{
    EDGE_AMOUNTS, Row, books_of, d, edge_dates, every_report, within_budget,
};
use chrono::{Days, NaiveDate};
use flowsense_core::analytics::{Period, anomalies, cashflow, forecast, recurring};
use flowsense_core::{Books, Txn};

/// `(date, amount)` rows on one account, category and counterparty each.
fn simple(rows: &[(NaiveDate, i64)]) -> Books {
    let rows: Vec<Row> = rows
        .iter()
        .map(|&(date, amount)| Row {
            date,
            amount,
            account: 0,
            category: 1,
            counterparty: 2,
            transfer: false,
        })
        .collect();
    books_of(&rows, &[])
}

#[test]
fn three_rows_near_the_top_of_i64_saturate_the_forecast_instead_of_wrapping() {
    // The CSV that brought the server down: three rows of 92233720368547758.07.
    let books = simple(&[
        (d(2026, 1, 1), i64::MAX),
        (d(2026, 1, 2), i64::MAX),
        (d(2026, 1, 3), i64::MAX),
    ]);
    let f = forecast(&books, d(2026, 1, 3));
    assert_eq!(f.starting_cash, i64::MAX);
    assert!(f.weeks.iter().all(|w| w.ending_cash.p50 == i64::MAX));
    let report = cashflow(&books, None, None, Period::Month);
    assert_eq!(report.total.inflow, i64::MAX, "saturated, not wrapped");
    within_budget("three rows", move || every_report(&books));
}

#[test]
fn single_rows_at_the_bounds() {
    for amount in EDGE_AMOUNTS {
        for date in edge_dates() {
            let books = simple(&[(date, amount)]);
            within_budget("one row", move || every_report(&books));
        }
    }
}

#[test]
fn alternating_extremes_and_every_row_on_one_day() {
    let day = d(2025, 3, 14);
    let alternating: Vec<(NaiveDate, i64)> = (0..40u64)
        .map(|i| {
            let amount = if i % 2 == 0 { i64::MAX } else { -i64::MAX };
            (d(2025, 1, 1) + Days::new(i * 7), amount)
        })
        .collect();
    let one_day: Vec<(NaiveDate, i64)> = EDGE_AMOUNTS.iter().map(|&a| (day, a)).collect();
    for rows in [alternating, one_day] {
        let books = simple(&rows);
        within_budget("alternating", move || every_report(&books));
    }
}

#[test]
fn a_recurring_payment_rising_to_i64_min_is_reported_without_overflow() {
    // Six months at 96% of |i64::MIN|, then six at |i64::MIN|: a 4% price rise to a size one
    // past i64::MAX.
    let old = i64::MIN / 100 * 96;
    let mut rows: Vec<(NaiveDate, i64)> = (1..=6).map(|m| (d(2025, m, 5), old)).collect();
    rows.extend((7..=12).map(|m| (d(2025, m, 5), i64::MIN)));
    let books = simple(&rows);
    let r = recurring(&books, d(2025, 12, 31));
    let item = r.items.first().expect("the payment recurs");
    let change = item.price_change.as_ref().expect("the price rose");
    assert_eq!((change.old_amount, change.new_amount), (old, i64::MIN));
    assert!(change.change_bp >= 300);
    assert!(
        item.typical_amount <= i64::MIN + 1,
        "saturated at the bound"
    );
    within_budget("recurring extremes", move || every_report(&books));
}

#[test]
fn books_spanning_the_whole_calendar_with_many_categories_stay_small() {
    // A payment at each end of chrono's calendar, and many categories with two payments to
    // their own shop in between: the anomaly rules must not lay out every month of ~500,000
    // years for each category.
    let mut books = simple(&[(NaiveDate::MIN, -5), (NaiveDate::MAX, -5)]);
    for c in 0..200u32 {
        let category = books.categories.intern(&format!("Spend {c}"));
        let counterparty = books.counterparties.intern(&format!("Shop {c}"));
        for (i, date) in [d(2024, 3, 10), d(2024, 7, 10)].into_iter().enumerate() {
            books.txns.push(Txn {
                id: 1_000 + i64::from(c) * 10 + i64::try_from(i).expect("small"),
                date,
                amount: -100 - i64::from(c),
                account: 0,
                category,
                counterparty,
                transfer: false,
                financing: false,
            });
        }
    }
    within_budget("whole calendar", move || {
        for as_of in [NaiveDate::MAX, d(9999, 12, 31)] {
            let _ = anomalies(&books, None, as_of);
        }
    });
}

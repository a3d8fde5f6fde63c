use super::books_builder::{Builder, d};
use super::synthetic::seasonal_books;
use chrono::{Datelike, Days, Months, NaiveDate, Weekday};
use flowsense_core::analytics::recurring::detect_recurring;
use flowsense_core::analytics::{Cadence, RecurringItem};

type Step = dyn Fn(NaiveDate, u32) -> NaiveDate;

fn only_item(b: &Builder, as_of: NaiveDate) -> Vec<RecurringItem> {
    detect_recurring(&b.books, as_of)
}

fn series(step: impl Fn(NaiveDate, u32) -> NaiveDate, count: u32, amount: i64) -> Builder {
    let mut b = Builder::new();
    let start = d(2024, 1, 5);
    for n in 0..count {
        b.txn(step(start, n), amount, "Costs", "Vendor");
    }
    b
}

#[test]
fn detects_each_cadence() {
    let cases: [(Cadence, u32, Box<Step>); 5] = [
        (
            Cadence::Weekly,
            10,
            Box::new(|s, n| s + Days::new(7 * u64::from(n))),
        ),
        (
            Cadence::Biweekly,
            8,
            Box::new(|s, n| s + Days::new(14 * u64::from(n))),
        ),
        (Cadence::Monthly, 6, Box::new(|s, n| s + Months::new(n))),
        (
            Cadence::Quarterly,
            5,
            Box::new(|s, n| s + Months::new(3 * n)),
        ),
        (Cadence::Yearly, 2, Box::new(|s, n| s + Months::new(12 * n))),
    ];
    for (cadence, count, step) in cases {
        let b = series(&step, count, -10_000);
        let last = step(d(2024, 1, 5), count - 1);
        let items = only_item(&b, last);
        assert_eq!(items.len(), 1, "{cadence:?}");
        let item = &items[0];
        assert_eq!(item.cadence, cadence);
        assert_eq!(item.typical_amount, -10_000);
        assert_eq!(item.next_expected, step(d(2024, 1, 5), count));
        assert!(item.active);
        assert!(item.price_change.is_none());
    }
}

#[test]
fn irregular_payments_are_not_recurring() {
    let mut b = Builder::new();
    let mut date = d(2024, 1, 1);
    for gap in [3u64, 20, 9, 41, 2, 15, 33, 5] {
        date = date + Days::new(gap);
        b.txn(date, -5_000, "Costs", "Vendor");
    }
    assert!(only_item(&b, date).is_empty());
}

#[test]
fn wildly_varying_amounts_are_not_recurring() {
    let mut b = Builder::new();
    for (n, amount) in [-1_000, -90_000, -4_000, -250_000, -700, -30_000]
        .into_iter()
        .enumerate()
    {
        b.txn(
            d(2024, 1, 10) + Months::new(u32::try_from(n).expect("a month")),
            amount,
            "Costs",
            "Vendor",
        );
    }
    assert!(only_item(&b, d(2024, 7, 1)).is_empty());
}

#[test]
fn stopped_payments_are_inactive() {
    let b = series(|s, n| s + Months::new(n), 6, -2_000);
    let items = only_item(&b, d(2025, 1, 1));
    assert_eq!(items.len(), 1);
    assert!(!items[0].active);
}

#[test]
fn reports_a_price_change_with_old_and_new_amounts() {
    let mut b = Builder::new();
    for n in 0..8u32 {
        let amount = if n < 6 { -5_000 } else { -5_600 };
        b.txn(
            d(2024, 1, 12) + Months::new(n),
            amount,
            "Software",
            "SaaS Inc",
        );
    }
    let items = only_item(&b, d(2024, 8, 31));
    let change = items[0].price_change.as_ref().expect("price change");
    assert_eq!(change.old_amount, -5_000);
    assert_eq!(change.new_amount, -5_600);
    assert_eq!(change.change_bp, 1_200);
    assert_eq!(change.since, d(2024, 7, 12));
    assert_eq!(items[0].typical_amount, -5_600);
}

#[test]
fn finds_the_synthetic_business_schedules() {
    let (books, _) = seasonal_books(11);
    let items = detect_recurring(&books, d(2025, 6, 30));
    let find = |name: &str| items.iter().find(|i| i.counterparty == name);
    assert_eq!(
        find("Gusto Payroll").map(|i| i.cadence),
        Some(Cadence::Biweekly)
    );
    assert_eq!(
        find("Harbor Properties").map(|i| i.cadence),
        Some(Cadence::Monthly)
    );
    assert_eq!(
        find("Google Workspace").map(|i| i.cadence),
        Some(Cadence::Monthly)
    );
    assert_eq!(
        find("Acme Insurance").map(|i| i.cadence),
        Some(Cadence::Yearly)
    );
    let shopify = find("Shopify").expect("Shopify is recurring");
    assert_eq!(shopify.cadence, Cadence::Monthly);
    let change = shopify.price_change.as_ref().expect("price increase");
    assert_eq!(
        (change.old_amount, change.new_amount, change.change_bp),
        (-7_900, -8_848, 1_200)
    );
    for irregular in [
        "Card sales",
        "Office Depot",
        "Local Print Shop",
        "Espresso Machines Ltd",
    ] {
        assert!(find(irregular).is_none(), "{irregular} is not recurring");
    }
    let with_changes: Vec<_> = items.iter().filter(|i| i.price_change.is_some()).collect();
    assert_eq!(
        with_changes.len(),
        1,
        "only Shopify changed price: {with_changes:?}"
    );
}

/// Moves a payment due on a weekend to the Friday before, as banks and payroll providers do.
fn business_day(date: NaiveDate) -> NaiveDate {
    match date.weekday() {
        Weekday::Sat => date - Days::new(1),
        Weekday::Sun => date - Days::new(2),
        _ => date,
    }
}

/// Amounts that vary by up to ±20% around `base`, deterministically.
fn varying(base: i64, n: usize) -> i64 {
    let swing = [0, 12, -8, 19, -15, 5, -20, 9, 3, -11, 16, -4];
    base + base * swing[n % swing.len()] / 100
}

/// Plants `dates` (made business days) as payments to "Planted" among noise and checks the one
/// item found: its cadence, its next date and that it is active.
fn assert_planted(dates: &[NaiveDate], cadence: Cadence, next: NaiveDate, words: &str) {
    let mut b = Builder::new();
    for (n, date) in dates.iter().enumerate() {
        b.txn(
            business_day(*date),
            varying(-1_900_000, n),
            "Payroll",
            "Planted",
        );
    }
    let last = business_day(*dates.last().expect("dates"));
    let items = detect_recurring(&b.books, last);
    assert_eq!(items.len(), 1, "{cadence:?}: {items:?}");
    let item = &items[0];
    assert_eq!(item.cadence, cadence, "{words}");
    assert_eq!(item.next_expected, next, "{words}");
    assert_eq!(item.schedule_text, words);
    assert!(item.active);
    assert_eq!(item.occurrences, dates.len());
}

fn month_end(y: i32, m: u32) -> NaiveDate {
    d(y, m, 1) + Months::new(1) - Days::new(1)
}

#[test]
fn semi_monthly_on_the_first_and_fifteenth() {
    let dates: Vec<NaiveDate> = (0..12u32)
        .flat_map(|m| {
            let month = d(2025, 1, 1) + Months::new(m);
            [month, month + Days::new(14)]
        })
        .collect();
    assert_planted(
        &dates,
        Cadence::SemiMonthly,
        d(2026, 1, 1),
        "on the 1st and 15th",
    );
}

#[test]
fn semi_monthly_on_the_fifteenth_and_last_day() {
    let dates: Vec<NaiveDate> = (1..=10u32)
        .flat_map(|m| [d(2025, m, 15), month_end(2025, m)])
        .collect();
    assert_planted(
        &dates,
        Cadence::SemiMonthly,
        d(2025, 11, 15),
        "on the 15th and last day",
    );
}

#[test]
fn biweekly_on_fridays() {
    let dates: Vec<NaiveDate> = (0..20u64)
        .map(|n| d(2025, 1, 3) + Days::new(14 * n))
        .collect();
    let next = d(2025, 1, 3) + Days::new(14 * 20);
    assert_planted(&dates, Cadence::Biweekly, next, "every other Friday");
}

#[test]
fn four_weekly_on_tuesdays() {
    let dates: Vec<NaiveDate> = (0..13u64)
        .map(|n| d(2025, 1, 7) + Days::new(28 * n))
        .collect();
    let next = d(2025, 1, 7) + Days::new(28 * 13);
    assert_planted(
        &dates,
        Cadence::FourWeekly,
        next,
        "every 4 weeks on Tuesday",
    );
}

#[test]
fn monthly_on_the_last_friday() {
    let last_friday = |y: i32, m: u32| {
        let mut day = month_end(y, m);
        while day.weekday() != Weekday::Fri {
            day = day - Days::new(1);
        }
        day
    };
    let dates: Vec<NaiveDate> = (1..=12u32).map(|m| last_friday(2025, m)).collect();
    assert_planted(
        &dates,
        Cadence::Monthly,
        d(2026, 1, 30),
        "on the last Friday of the month",
    );
}

#[test]
fn monthly_on_the_second_tuesday() {
    let dates: Vec<NaiveDate> = (1..=9u32)
        .map(|m| {
            let mut day = d(2025, m, 8);
            while day.weekday() != Weekday::Tue {
                day = day + Days::new(1);
            }
            day
        })
        .collect();
    assert_planted(
        &dates,
        Cadence::Monthly,
        d(2025, 10, 14),
        "on the second Tuesday of the month",
    );
}

#[test]
fn monthly_on_a_day_moved_off_weekends() {
    let dates: Vec<NaiveDate> = (0..12u32).map(|m| d(2025, 1, 1) + Months::new(m)).collect();
    assert_planted(&dates, Cadence::Monthly, d(2026, 1, 1), "on the 1st");
}

#[test]
fn quarterly_tax_with_varying_amounts() {
    let dates: Vec<NaiveDate> = (0..8u32)
        .map(|q| d(2024, 1, 15) + Months::new(3 * q))
        .collect();
    assert_planted(
        &dates,
        Cadence::Quarterly,
        d(2026, 1, 15),
        "every 3 months from January, on the 15th",
    );
}

#[test]
fn annual_renewal() {
    let dates = [d(2023, 3, 10), d(2024, 3, 10), d(2025, 3, 10)];
    let mut b = Builder::new();
    for date in dates {
        b.txn(date, -120_000, "Insurance", "Planted");
    }
    let items = detect_recurring(&b.books, d(2025, 3, 10));
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].cadence, Cadence::Yearly);
    assert_eq!(items[0].next_expected, d(2026, 3, 10));
    assert_eq!(items[0].schedule_text, "each March, on the 10th");
}

#[test]
fn semi_monthly_payroll_counts_twice_a_month_in_the_commitment() {
    let mut b = Builder::new();
    for m in 0..6u32 {
        let month = d(2025, 1, 1) + Months::new(m);
        b.txn(business_day(month), -1_000_000, "Payroll", "Gusto");
        b.txn(
            business_day(month + Days::new(14)),
            -1_000_000,
            "Payroll",
            "Gusto",
        );
    }
    let report = flowsense_core::analytics::recurring(&b.books, d(2025, 6, 20));
    assert_eq!(report.items.len(), 1);
    assert_eq!(report.monthly_commitment, -2_000_000);
    // The forecast's calendar: the next six payments on the 1st and 15th (moved to no weekend).
    let dates = report.items[0].dates_between(d(2025, 6, 20), d(2025, 9, 16));
    assert_eq!(
        dates,
        [
            d(2025, 7, 1),
            d(2025, 7, 15),
            d(2025, 8, 1),
            d(2025, 8, 15),
            d(2025, 9, 1),
            d(2025, 9, 15)
        ]
    );
}

/// A small deterministic generator (xorshift), so the noise is the same on every run.
fn noise(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed | 1;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}

#[test]
fn random_spending_is_never_recurring() {
    for seed in 1..=200u64 {
        let mut next = noise(seed);
        let mut b = Builder::new();
        let mut date = d(2024, 1, 1);
        let count = 6 + next() % 30;
        let mean_gap = 3 + next() % 40;
        for _ in 0..count {
            date = date + Days::new(1 + next() % (2 * mean_gap));
            // Steady amounts: only the calendar can tell this apart from a subscription.
            let amount = -(10_000 + i64::try_from(next() % 1_000).expect("small"));
            b.txn(date, amount, "Supplies", "Noise");
        }
        let items = detect_recurring(&b.books, date);
        assert!(items.is_empty(), "seed {seed}: {items:?}");
    }
}

use super::books_builder::{Builder, d};
use super::synthetic::seasonal_books;
use chrono::{Days, Months, NaiveDate};
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

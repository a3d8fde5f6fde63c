//! Financing flows (owner money, loans and their repayments) are cash but not trading: revenue,
//! burn, concentration and recurring costs leave them out; cash and the forecast keep them.

use super::books_builder::{Builder, d};
use chrono::{Datelike, Months, NaiveDate};
use flowsense_core::FlowClass;
use flowsense_core::analytics::recurring::detect_recurring;
use flowsense_core::analytics::{RunwayStatus, aging, cash_at, forecast, runway};

/// A small shop: three customers paying monthly, rent and payroll, a $200k capital injection
/// from its investor, and a monthly loan repayment.
fn shop_with_financing() -> Builder {
    let mut b = Builder::new();
    b.opening("Operating", 5_000_000);
    let start = d(2025, 1, 1);
    for n in 0..12u32 {
        let month = start + Months::new(n);
        let on = |day: u32| month.with_day0(day - 1).expect("valid day");
        b.txn(on(3), 3_000_000, "Sales", "Acme Corp");
        b.txn(on(8), 2_000_000, "Sales", "Globex");
        b.txn(on(12), 1_000_000, "Sales", "Initech");
        b.txn(on(1), -2_500_000, "Rent", "Landlord Ltd");
        b.txn(on(15), -3_800_000, "Payroll", "Gusto");
        b.txn(on(20), -450_000, "Loan repayment", "First Bank");
    }
    b.txn(
        d(2025, 11, 10),
        20_000_000,
        "Owner contribution",
        "Seed Investor",
    );
    b
}

#[test]
fn a_capital_injection_is_not_a_customer() {
    let b = shop_with_financing();
    let report = aging(&b.books, d(2025, 12, 31));
    let c = &report.concentration;
    assert_eq!(c.basis, "receipts");
    assert!(
        c.top_customers
            .iter()
            .all(|s| s.customer != "Seed Investor"),
        "{:?}",
        c.top_customers
    );
    assert_eq!(c.top_customers[0].customer, "Acme Corp");
    // Acme brings 3 of every 6 dollars of revenue.
    assert_eq!(c.top1_bp, 5_000);
}

#[test]
fn burn_leaves_out_the_injection_and_the_repayments() {
    let b = shop_with_financing();
    let as_of = d(2026, 1, 1);
    let report = runway(&b.books, as_of);
    // Operating: 6.0M in, 6.3M out each month: a burn of 300,000 minor units a month, whatever
    // the injection in November and the repayments.
    match report.status {
        RunwayStatus::Burning {
            average_monthly_burn,
            ..
        } => assert_eq!(average_monthly_burn, 300_000),
        other => panic!("expected burning, got {other:?}"),
    }
    let november = report
        .months
        .iter()
        .find(|m| m.month == d(2025, 11, 1))
        .expect("November is in the window");
    assert_eq!(november.inflow, 6_000_000);
    assert_eq!(november.outflow, -6_300_000);
}

#[test]
fn cash_and_the_forecast_keep_financing() {
    let b = shop_with_financing();
    let as_of = d(2025, 12, 31);
    // Opening 5.0M + 12 × (6.0M − 6.3M − 0.45M) + 20M.
    let expected = 5_000_000 + 12 * (6_000_000 - 6_300_000 - 450_000) + 20_000_000;
    assert_eq!(cash_at(&b.books, as_of), expected);
    assert_eq!(forecast(&b.books, as_of).starting_cash, expected);
}

#[test]
fn a_loan_repayment_is_not_a_recurring_cost() {
    let b = shop_with_financing();
    let items = detect_recurring(&b.books, d(2025, 12, 31));
    let names: Vec<&str> = items.iter().map(|i| i.counterparty.as_str()).collect();
    assert!(names.contains(&"Landlord Ltd"), "{names:?}");
    assert!(names.contains(&"Gusto"), "{names:?}");
    assert!(!names.contains(&"First Bank"), "{names:?}");
}

#[test]
fn transactions_carry_their_class() {
    let b = shop_with_financing();
    let class_of = |category: &str| {
        let id = b.books.categories.get(category).expect("category present");
        b.books
            .txns
            .iter()
            .find(|t| t.category == id)
            .expect("a transaction")
            .class()
    };
    assert_eq!(class_of("Sales"), FlowClass::Operating);
    assert_eq!(class_of("Owner contribution"), FlowClass::Financing);
    assert_eq!(class_of("Loan repayment"), FlowClass::Financing);
}

#[test]
fn an_uncategorised_payment_from_an_investor_is_financing() {
    let mut b = Builder::new();
    let day = NaiveDate::from_ymd_opt(2025, 3, 1).expect("date");
    b.txn(day, 100_000, "Uncategorized", "Seed Investor LLC");
    b.txn(day, 10_000, "Uncategorized", "Corner Cafe");
    let classes: Vec<FlowClass> = b.books.txns.iter().map(|t| t.class()).collect();
    assert_eq!(classes, [FlowClass::Financing, FlowClass::Operating]);
    // Readers that build transactions directly class them the same way.
    let mut direct = b.books.clone();
    for t in &mut direct.txns {
        t.financing = false;
    }
    direct.class_by_names();
    assert_eq!(direct.txns, b.books.txns);
}

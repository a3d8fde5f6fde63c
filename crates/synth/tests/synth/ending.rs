//! Books of an exact size ending on a chosen day, a business that loses its sales, and
//! counterparties whose names fit what they are paid for.

use chrono::NaiveDate;
use flowsense_core::analytics::cash_at;
use flowsense_core::analytics::runway::{RunwayStatus, runway};
use flowsense_synth::{
    GenConfig, GenError, OPENING_BALANCE, Profile, generate, generate_ending, to_books,
    write_csv_with_opening_balances,
};
use std::collections::HashMap;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

#[test]
fn exactly_the_transactions_asked_for_ending_on_the_day_asked() {
    let end = day(2026, 12, 4);
    for profile in Profile::ALL {
        for wanted in [1, 40, 1_200, 3_000, 10_000] {
            let config = GenConfig {
                profile,
                ..GenConfig::new(3, wanted)
            };
            let books = generate_ending(&config, end).expect("books");
            assert_eq!(books.transactions.len(), wanted, "{profile} {wanted}");
            let last = books.transactions.last().expect("a line").date;
            assert!(last <= end, "{profile} {wanted}: {last}");
            if wanted >= 1_200 {
                assert_eq!(
                    last, end,
                    "{profile} {wanted}: a busy business trades every day"
                );
            }
            assert_eq!(books.start, books.transactions[0].date);
            assert!(books.documents.iter().all(|d| d.issue_date <= end));
            assert!(
                books
                    .documents
                    .iter()
                    .all(|d| d.paid_date.is_none_or(|p| p >= books.start && p <= end))
            );
            // The same config and day give the same books.
            let again = generate_ending(&config, end).expect("books");
            assert_eq!(again.transactions, books.transactions);
        }
    }
}

/// The lines dropped to reach the exact count live on in the opening balances: the books end
/// with the cash of the business the generator planned, not with less.
#[test]
fn dropped_lines_are_folded_into_the_opening_balances() {
    let end = day(2025, 6, 30);
    let books = generate_ending(&GenConfig::new(11, 2_000), end).expect("books");
    let mut closing: HashMap<&str, i64> = books
        .accounts
        .iter()
        .map(|a| (&*a.name, a.opening_balance_minor))
        .collect();
    for t in &books.transactions {
        *closing.get_mut(&*t.account).expect("a known account") += t.amount_minor;
    }
    // The generator keeps checking and savings above water throughout its books.
    assert!(closing["Operating Checking"] > 0, "{closing:?}");
    assert!(closing["Business Savings"] > 0, "{closing:?}");
    let engine = to_books(&books);
    let total: i64 = closing.values().sum();
    assert_eq!(cash_at(&engine, end), total);

    // The CSV carries those balances in lines of their own before the transactions.
    let mut csv = Vec::new();
    write_csv_with_opening_balances(&books, &mut csv).expect("csv");
    let text = String::from_utf8(csv).expect("utf-8");
    let openings: Vec<&str> = text
        .lines()
        .skip(1)
        .take_while(|l| l.contains(OPENING_BALANCE))
        .collect();
    let with_money = books
        .accounts
        .iter()
        .filter(|a| a.opening_balance_minor != 0)
        .count();
    assert_eq!(openings.len(), with_money);
    assert_eq!(text.lines().count(), 1 + with_money + 2_000);
    assert!(
        openings.iter().all(|l| l.contains(",Transfer,")),
        "{openings:?}"
    );
}

#[test]
fn a_business_losing_its_sales_burns_cash_and_shows_when_it_runs_out() {
    let end = day(2026, 12, 4);
    for profile in Profile::ALL {
        let steady = GenConfig {
            profile,
            months: Some(18),
            ..GenConfig::new(7, 5_000)
        };
        let declining = GenConfig {
            sales_decline_percent: 70,
            ..steady.clone()
        };
        let report = |config: &GenConfig| {
            runway(
                &to_books(&generate_ending(config, end).expect("books")),
                end,
            )
        };
        let steady_report = report(&steady);
        assert!(
            matches!(steady_report.status, RunwayStatus::NotBurning { .. }),
            "{profile}: {:?}",
            steady_report.status
        );
        let declining_report = report(&declining);
        match declining_report.status {
            RunwayStatus::Burning {
                cash_runs_out_on, ..
            } => assert!(
                cash_runs_out_on > end && cash_runs_out_on < day(2029, 1, 1),
                "{profile}: {cash_runs_out_on}"
            ),
            other => panic!("{profile}: {other:?}"),
        }
    }
    let refused = GenConfig {
        sales_decline_percent: 91,
        ..GenConfig::new(7, 1_000)
    };
    assert_eq!(generate(&refused).err(), Some(GenError::BadDecline(91)));
}

/// Words a counterparty's name may end with, for the categories whose payee is a made-up
/// business of one trade: no water district selling internet, no security firm cleaning.
const FITTING_NAMES: &[(&str, &[&str])] = &[
    (
        "Internet",
        &["Fiber", "Broadband", "Telecom", "Communications"],
    ),
    (
        "Utilities",
        &[
            "Power and Light",
            "Energy",
            "Electric Cooperative",
            "Gas and Electric",
        ],
    ),
    (
        "Cleaning",
        &[
            "Cleaning Services",
            "Janitorial",
            "Cleaning Co",
            "Maid Service",
        ],
    ),
    (
        "Waste Disposal",
        &["Waste Services", "Recycling", "Disposal", "Stericycle"],
    ),
    ("Security", &["Security Services", "Alarm Co", "Monitoring"]),
    ("Fuel", &["Fuel", "Gas Station", "Fuel Stop"]),
    (
        "Vehicle",
        &["Auto Service", "Garage", "Tire and Auto", "Fleet Service"],
    ),
    (
        "Memberships",
        &["Business Association", "Chamber of Commerce", "Guild"],
    ),
    (
        "Charitable Donations",
        &["Community Fund", "Youth League", "Food Bank"],
    ),
    (
        "Training",
        &["Training Institute", "Academy", "Learning Center"],
    ),
];

#[test]
fn counterparties_fit_the_category_they_are_paid_for() {
    for profile in Profile::ALL {
        let books = super::books_for(profile, 5, 20_000);
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for t in &books.transactions {
            let Some((_, words)) = FITTING_NAMES.iter().find(|(c, _)| **c == *t.category) else {
                continue;
            };
            // A name that had to be made unique may carry a number after the trade word.
            let name = t
                .counterparty
                .trim_end_matches(|c: char| c.is_ascii_digit() || c == ' ');
            assert!(
                words.iter().any(|w| name.ends_with(w)),
                "{profile}: {} paid for {}",
                t.counterparty,
                t.category
            );
            *seen.entry(&*t.category).or_default() += 1;
        }
        for must in ["Internet", "Utilities", "Cleaning"] {
            assert!(
                seen.get(must).is_some_and(|&n| n > 0),
                "{profile}: no {must} line"
            );
        }
    }
}

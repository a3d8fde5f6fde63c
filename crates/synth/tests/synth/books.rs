//! Shape of the books: determinism, size, structure, formats, conversion (for every profile),
//! and the roaster's variety and seasonality.

use crate::{books, books_for, csv_bytes, each_profile};
use chrono::{Datelike, Weekday};
use flowsense_core::books::{TRANSFER_CATEGORY, TXN_CSV_HEADER};
use flowsense_core::money::parse_minor;
use flowsense_synth::{GenConfig, Profile, generate, to_books, write_documents_csv, write_journal};
use std::collections::{HashMap, HashSet};

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    for profile in Profile::ALL {
        let a = books_for(profile, 7, 5_000);
        let b = books_for(profile, 7, 5_000);
        assert_eq!(csv_bytes(&a), csv_bytes(&b), "{profile}");
        let (mut ja, mut jb, mut da, mut db) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        write_journal(&a, &mut ja).expect("journal");
        write_journal(&b, &mut jb).expect("journal");
        write_documents_csv(&a, &mut da).expect("documents");
        write_documents_csv(&b, &mut db).expect("documents");
        assert_eq!(ja, jb, "{profile}");
        assert_eq!(da, db, "{profile}");
        assert_eq!(a.truth, b.truth, "{profile}");
        assert_ne!(csv_bytes(&a), csv_bytes(&books_for(profile, 8, 5_000)));
    }
    // Profiles differ for the same seed, and the default profile is the roaster.
    assert_ne!(
        csv_bytes(&books_for(Profile::CoffeeRoaster, 7, 5_000)),
        csv_bytes(&books_for(Profile::DentalPractice, 7, 5_000))
    );
    assert_eq!(
        csv_bytes(&books(7, 5_000)),
        csv_bytes(&books_for(Profile::CoffeeRoaster, 7, 5_000))
    );
}

#[test]
fn counts_near_target_and_months_in_range() {
    for profile in Profile::ALL {
        for target in [3_000, 5_000, 10_000, 60_000] {
            let n = books_for(profile, 1, target).transactions.len();
            let count = |rows: usize| f64::from(u32::try_from(rows).expect("a row count"));
            let ratio = count(n) / count(target);
            assert!(
                (0.85..=1.15).contains(&ratio),
                "{profile}: {target} asked, {n} generated"
            );
        }
    }
    assert_eq!(GenConfig::new(1, 10_000).effective_months(), 18);
    assert_eq!(GenConfig::new(1, 20_000).effective_months(), 34);
    assert_eq!(GenConfig::new(1, 1_000_000).effective_months(), 36);
    let zero = GenConfig {
        months: Some(0),
        ..GenConfig::default()
    };
    assert!(generate(&zero).is_err());
}

#[test]
fn references_unique_and_rows_sorted() {
    each_profile(3, 10_000, |b| {
        let refs: HashSet<&str> = b
            .transactions
            .iter()
            .map(|t| t.reference.as_str())
            .collect();
        assert_eq!(refs.len(), b.transactions.len());
        assert_eq!(b.transactions[0].reference, "gen-3-1");
        assert!(b.transactions.windows(2).all(|w| w[0].date <= w[1].date));
        assert!(
            b.transactions
                .iter()
                .all(|t| t.date >= b.start && t.date < b.end)
        );
    });
}

#[test]
fn transfers_come_in_balanced_pairs() {
    each_profile(4, 10_000, |b| {
        let transfers: Vec<_> = b
            .transactions
            .iter()
            .filter(|t| &*t.category == TRANSFER_CATEGORY)
            .collect();
        assert!(transfers.len() > 100);
        assert_eq!(transfers.iter().map(|t| t.amount_minor).sum::<i64>(), 0);
        let accounts: HashSet<&str> = b.accounts.iter().map(|a| &*a.name).collect();
        for pair in transfers.chunks(2) {
            let [out, inn] = pair else {
                panic!("odd number of transfer rows")
            };
            assert!(out.amount_minor < 0 && inn.amount_minor == -out.amount_minor);
            assert_eq!(
                (out.date, &out.counterparty, &inn.counterparty),
                (inn.date, &inn.account, &out.account)
            );
            assert!(accounts.contains(&*out.counterparty));
        }
    });
}

#[test]
fn documents_are_consistent_with_the_bank() {
    each_profile(5, 10_000, |b| {
        let paid_lines: HashSet<(&str, i64, chrono::NaiveDate)> = b
            .transactions
            .iter()
            .map(|t| (&*t.counterparty, t.amount_minor.abs(), t.date))
            .collect();
        let (mut open_invoices, mut open_bills) = (0, 0);
        for d in &b.documents {
            assert!(d.due_date >= d.issue_date && d.amount_minor > 0);
            match d.paid_date {
                Some(p) => {
                    assert!(p >= d.issue_date && p < b.end, "{d:?}");
                    assert!(
                        paid_lines.contains(&(&*d.counterparty, d.amount_minor, p)),
                        "no bank line for {d:?}"
                    );
                }
                None if d.kind == flowsense_synth::DocKind::Invoice => open_invoices += 1,
                None => open_bills += 1,
            }
        }
        assert!(open_invoices > 0 && open_bills > 0);
        let numbers: HashSet<&str> = b.documents.iter().map(|d| d.number.as_str()).collect();
        assert_eq!(numbers.len(), b.documents.len());
    });
}

#[test]
fn roaster_variety_and_seasonality() {
    let b = books(6, 20_000);
    let categories: HashSet<&str> = b.transactions.iter().map(|t| &*t.category).collect();
    assert!(categories.len() >= 40, "{} categories", categories.len());
    let counterparties: HashSet<&str> = b.transactions.iter().map(|t| &*t.counterparty).collect();
    assert!(
        counterparties.len() >= 300,
        "{} counterparties",
        counterparties.len()
    );

    let mut by_weekday: HashMap<Weekday, i64> = HashMap::new();
    let mut by_month: HashMap<(i32, u32), i64> = HashMap::new();
    for t in b.transactions.iter().filter(|t| &*t.category == "Sales") {
        *by_weekday.entry(t.date.weekday()).or_default() += t.amount_minor;
        *by_month.entry((t.date.year(), t.date.month())).or_default() += t.amount_minor;
    }
    assert!(by_weekday[&Weekday::Sat] > by_weekday[&Weekday::Mon] * 13 / 10);
    assert!(by_month[&(2024, 12)] > by_month[&(2024, 7)] * 14 / 10);

    // Roughly sustainable overall, with some burning months.
    let mut net_by_month: HashMap<(i32, u32), i64> = HashMap::new();
    let (mut income, mut net) = (0i64, 0i64);
    for t in b
        .transactions
        .iter()
        .filter(|t| &*t.category != TRANSFER_CATEGORY)
    {
        *net_by_month
            .entry((t.date.year(), t.date.month()))
            .or_default() += t.amount_minor;
        income += t.amount_minor.max(0);
        net += t.amount_minor;
    }
    assert!(net.abs() < income / 10, "net {net} on income {income}");
    assert!(net_by_month.values().filter(|v| **v < 0).count() >= 3);
}

#[test]
fn csv_has_canonical_header_and_exact_amounts() {
    each_profile(9, 3_000, |b| {
        let bytes = csv_bytes(b);
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        let header: Vec<String> = reader
            .headers()
            .expect("header")
            .iter()
            .map(str::to_owned)
            .collect();
        assert_eq!(header, TXN_CSV_HEADER);
        let mut rows = 0;
        for (record, t) in reader.records().zip(&b.transactions) {
            let record = record.expect("a valid row");
            assert_eq!(&record[0], t.date.format("%Y-%m-%d").to_string());
            assert_eq!(parse_minor(&record[2], 2), Ok(t.amount_minor));
            assert_eq!(&record[4], &*t.counterparty);
            assert_eq!(&record[7], t.reference);
            rows += 1;
        }
        assert_eq!(rows, b.transactions.len());
    });
}

#[test]
fn zero_decimal_currency_writes_whole_units() {
    let config = GenConfig {
        currency: flowsense_core::Currency::parse("JPY").expect("valid"),
        ..GenConfig::new(2, 3_000)
    };
    let b = generate(&config).expect("valid");
    let text = String::from_utf8(csv_bytes(&b)).expect("utf-8");
    let first = text.lines().nth(1).expect("a row");
    assert!(first.contains(",JPY,") && !first.split(',').nth(2).expect("amount").contains('.'));
}

#[test]
fn converts_to_engine_books() {
    each_profile(10, 5_000, |b| {
        let engine = to_books(b);
        assert_eq!(engine.txns.len(), b.transactions.len());
        assert_eq!(engine.documents.len(), b.documents.len());
        assert_eq!(engine.accounts.len(), b.accounts.len());
        for (i, (t, g)) in engine.txns.iter().zip(&b.transactions).enumerate() {
            assert_eq!(t.id, i64::try_from(i).expect("small") + 1);
            assert_eq!(t.transfer, &*g.category == TRANSFER_CATEGORY);
            assert_eq!(engine.accounts.name(t.account), &*g.account);
            assert_eq!(t.amount, g.amount_minor);
        }
        for (id, a) in b.accounts.iter().enumerate() {
            let id = u32::try_from(id).expect("small");
            assert_eq!(engine.accounts.name(id), &*a.name);
            assert_eq!(engine.opening_balance(id), a.opening_balance_minor);
        }
    });
}

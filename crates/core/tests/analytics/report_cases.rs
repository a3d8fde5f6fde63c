use super::books_builder::{Builder, d};
use super::synthetic::seasonal_books;
use flowsense_core::analytics::{
    Period, ReportKind, ReportOptions, run_report, to_csv, to_json, to_table,
};

#[test]
fn report_kinds_parse_from_their_lowercase_names() {
    for kind in ReportKind::ALL {
        assert_eq!(kind.as_str().parse::<ReportKind>(), Ok(kind));
    }
    assert!("Cashflow".parse::<ReportKind>().is_err());
    assert!("profit".parse::<ReportKind>().is_err());
    assert_eq!("week".parse::<Period>(), Ok(Period::Week));
}

#[test]
fn every_kind_renders_in_every_format() {
    let (books, _) = seasonal_books(9);
    for kind in ReportKind::ALL {
        let report = run_report(&books, kind, &ReportOptions::default());
        assert_eq!(
            report.as_of,
            d(2025, 6, 30),
            "defaults to the last transaction"
        );
        let json: serde_json::Value = serde_json::from_str(&to_json(&report)).expect("valid JSON");
        assert_eq!(json["kind"], kind.as_str());
        assert_eq!(json["currency"], "USD");
        let table = to_table(&report);
        assert!(table.contains("(USD)"), "{kind}: {table}");
        let csv = to_csv(&report);
        assert!(!csv.is_empty());
    }
}

#[test]
fn cashflow_table_formats_money_with_the_currency() {
    let mut b = Builder::new();
    b.txn(d(2024, 1, 3), 123_456, "Sales", "Shop");
    b.txn(d(2024, 1, 4), -5, "Fees", "Bank");
    let report = run_report(&b.books, ReportKind::Cashflow, &ReportOptions::default());
    let table = to_table(&report);
    assert!(table.contains("inflow (USD)"));
    assert!(table.contains("1234.56"));
    assert!(table.contains("-0.05"));
}

#[test]
fn csv_defuses_formulas_and_quotes_separators() {
    let mut b = Builder::new();
    b.txn(d(2024, 1, 3), -1_000, "Fees", "=HYPERLINK(\"http://x\")");
    b.txn(d(2024, 1, 4), -2_000, "Fees", "Smith, Jones & Co");
    b.txn(d(2024, 1, 5), -3_000, "Fees", "-cmd");
    let report = run_report(&b.books, ReportKind::Cashflow, &ReportOptions::default());
    let csv = to_csv(&report);
    assert!(csv.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{csv}");
    assert!(csv.contains("\"Smith, Jones & Co\""));
    assert!(csv.contains("'-cmd,"));
    // Negative money stays a number.
    assert!(csv.contains(",-10.00,"));
}

#[test]
fn options_narrow_the_range() {
    let (books, _) = seasonal_books(9);
    let options = ReportOptions {
        as_of: None,
        from: Some(d(2024, 1, 1)),
        to: Some(d(2024, 3, 31)),
        period: Period::Week,
    };
    let report = run_report(&books, ReportKind::Cashflow, &options);
    assert_eq!(report.as_of, d(2024, 3, 31));
    let json: serde_json::Value = serde_json::from_str(&to_json(&report)).unwrap();
    assert_eq!(json["report"]["period"], "week");
    assert_eq!(json["report"]["periods"][0]["start"], "2024-01-01");
}

#[test]
fn reordering_a_realistic_books_changes_no_report() {
    let (books, _) = seasonal_books(21);
    let mut reordered = books.clone();
    reordered.txns.reverse();
    let half = reordered.txns.len() / 2;
    reordered.txns.rotate_left(half);
    for kind in ReportKind::ALL {
        let options = ReportOptions::default();
        assert_eq!(
            to_json(&run_report(&books, kind, &options)),
            to_json(&run_report(&reordered, kind, &options)),
            "{kind}"
        );
    }
}

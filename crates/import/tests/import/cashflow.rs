//! `cashflow_report_csv` (summed while reading) against `run_report` over the books read whole.

use crate::books::sample_books;
use crate::date;
use flowsense_core::analytics::{Period, ReportKind, ReportOptions, run_report, to_json};
use flowsense_core::money::Currency;
use flowsense_import::{cashflow_report_csv, read_books_csv};
use std::fmt::Write as _;
use std::path::Path;

fn both(path: &Path, options: &ReportOptions) -> (String, String) {
    let summed = cashflow_report_csv(path, Currency::USD, options).expect("summed while reading");
    let books = read_books_csv(path, Currency::USD).expect("read in full");
    let whole = run_report(&books, ReportKind::Cashflow, options);
    (to_json(&summed), to_json(&whole))
}

#[test]
fn summed_while_reading_equals_the_report_over_the_books() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("books.csv");
    // Over 1 MiB: read and summed in several blocks, each interning its names on its own;
    // names first met in later blocks get ids other than their local ones.
    let mut text = sample_books(30_000);
    for i in 0..20_000 {
        let _ = writeln!(
            text,
            "2025-{:02}-{:02},Late {},{}.50,USD,Party {},Kind {},x,",
            i % 12 + 1,
            i % 28 + 1,
            i % 5,
            i % 900 - 450,
            (20_000 - i) % 97,
            i * 7 % 13
        );
    }
    assert!(text.len() > 2 << 20);
    std::fs::write(&path, text).unwrap();
    let bounds = [
        (None, None, None),
        (Some(date(2024, 3, 10)), None, None),
        (None, Some(date(2024, 8, 1)), None),
        (Some(date(2024, 2, 1)), Some(date(2024, 2, 29)), None),
        (None, None, Some(date(2024, 6, 15))),
        (Some(date(2024, 9, 1)), Some(date(2024, 1, 1)), None),
        (Some(date(2030, 1, 1)), None, None),
    ];
    for period in [Period::Day, Period::Week, Period::Month] {
        for (from, to, as_of) in bounds {
            let options = ReportOptions {
                as_of,
                from,
                to,
                period,
            };
            let (summed, whole) = both(&path, &options);
            assert_eq!(summed, whole, "{options:?}");
        }
    }
}

#[test]
fn other_layouts_and_bad_rows_are_read_as_the_books_are() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bank.csv");
    std::fs::write(
        &path,
        "Date,Description,Amount\n2024-01-01,coffee,-4.50\n2024-02-03,refund,12\n",
    )
    .unwrap();
    let (summed, whole) = both(&path, &ReportOptions::default());
    assert_eq!(summed, whole);
    assert!(summed.contains("\"inflow\": 1200"));

    let mut text = sample_books(30_000);
    text.push_str("2024-02-30,Checking,1.00,USD,x,y,z,\n");
    text.push_str(&sample_books(10).replace("date,account", "dat,account"));
    std::fs::write(&path, text).unwrap();
    let summed = cashflow_report_csv(&path, Currency::USD, &ReportOptions::default()).unwrap_err();
    let whole = read_books_csv(&path, Currency::USD).unwrap_err();
    assert_eq!(summed, whole);
    assert!(summed.line > 30_000);
}

#[test]
fn documents_are_not_read_unless_there_are_no_transactions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("books.csv");
    let documents = dir.path().join("books.documents.csv");
    // A documents file the books reader refuses: the cash-flow report does not need it.
    std::fs::write(&documents, "kind,number\ninvoice,1\n").unwrap();
    std::fs::write(&path, sample_books(200)).unwrap();
    assert!(read_books_csv(&path, Currency::USD).is_err());
    let report = cashflow_report_csv(&path, Currency::USD, &ReportOptions::default()).unwrap();
    assert_eq!(report.as_of, date(2024, 12, 28));

    // Without transactions the report's date is the last document's, as over the books.
    std::fs::write(
        &documents,
        "kind,number,counterparty,issue_date,due_date,paid_date,amount,currency\n\
         invoice,INV-1,New Client,2024-01-01,2024-01-31,2024-03-05,1200.00,USD\n",
    )
    .unwrap();
    std::fs::write(&path, sample_books(0)).unwrap();
    let (summed, whole) = both(&path, &ReportOptions::default());
    assert_eq!(summed, whole);
    assert!(summed.contains("\"as_of\": \"2024-03-05\""));
}

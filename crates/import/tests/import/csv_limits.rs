//! Hostile CSV files cost time in proportion to their size.

use crate::{import, opts};
use flowsense_import::{ErrorReason, parse_documents_csv};
use std::time::{Duration, Instant};

const GENEROUS: Duration = Duration::from_secs(1);

#[test]
fn a_quoted_field_over_many_lines_is_read_once() {
    // Each line keeps the field open (`""` is a quote inside it); splitting the whole
    // record again for each added line took over a minute on this file.
    let lines = "\"\"\n".repeat(300_000);
    for text in [
        format!("Date,Description,Amount\n2024-01-01,\"{lines}"),
        format!(
            "Date,Description,Amount\n2024-01-01,\"{}",
            "\n".repeat(900_000)
        ),
    ] {
        let started = Instant::now();
        let e = import(&text).expect_err("never closed");
        assert_eq!((e.line, e.reason), (2, ErrorReason::UnclosedQuote));
        assert!(started.elapsed() < GENEROUS, "{:?}", started.elapsed());
    }
    let documents = format!(
        "kind,number,counterparty,issue_date,due_date,paid_date,amount,currency\n\"{lines}"
    );
    let started = Instant::now();
    let e = parse_documents_csv(documents.as_bytes(), &opts()).expect_err("never closed");
    assert_eq!((e.line, e.reason), (2, ErrorReason::UnclosedQuote));
    assert!(started.elapsed() < GENEROUS, "{:?}", started.elapsed());
}

#[test]
fn a_quoted_field_over_many_lines_still_reads() {
    let text = "Date,Description,Amount\n2024-01-01,\"one\n\"\"two\"\"\n\n three\",1\n\
                2024-01-02, \"x\" ,2\n";
    let txns = import(text).expect("valid");
    assert_eq!(txns[0].description, "one\n\"two\"\n\n three");
    assert_eq!((txns[1].line, txns[1].description.as_str()), (6, "x"));
}

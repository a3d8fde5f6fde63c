//! Hostile CSV files: long quoted records, wide rows and extreme dates cost time and memory
//! in proportion to their size, and are refused with the line where the limit was reached.

use crate::{import, import_with, opts};
use flowsense_core::books::TXN_CSV_HEADER;
use flowsense_core::money::Currency;
use flowsense_import::{
    DateFormat, ErrorReason, ImportOptions, books_from_reader, import_bytes, parse_books_bytes,
    parse_documents_csv, parse_ofx,
};
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

fn wide(fields: usize) -> String {
    ",x".repeat(fields - 1)
}

#[test]
fn too_many_columns_are_refused_with_their_line() {
    let e = import(&format!("Date,Amount{}\n", wide(1_000))).expect_err("wide header");
    assert_eq!(e.reason, ErrorReason::TooManyColumns(1_000));
    assert_eq!(e.to_string(), "books.csv:1: more than 1000 columns");
    let header = format!("Date,Amount{}", wide(999));
    let row = format!("2024-01-01,1{}", wide(999));
    assert_eq!(
        import(&format!("{header}\n{row}\n")).map(|t| t.len()),
        Ok(1)
    );
    let e = import(&format!("{header}\n{row}\n{row},\n")).expect_err("wide row");
    assert_eq!((e.line, e.reason), (3, ErrorReason::TooManyColumns(1_000)));
}

#[test]
fn too_many_columns_fail_alike_on_every_books_path() {
    let o = ImportOptions::new(Currency::USD);
    let text = format!(
        "{}\n2024-01-01,a,1,USD,x,y,z,r\n2024-01-02,a,1,USD,x,y,z,r{}\n",
        TXN_CSV_HEADER.join(","),
        ",".repeat(1_000)
    );
    let slow = books_from_reader(text.as_bytes(), &o).expect_err("wide row");
    assert_eq!(
        (slow.line, &slow.reason),
        (3, &ErrorReason::TooManyColumns(1_000))
    );
    assert_eq!(parse_books_bytes(text.as_bytes(), &o), Err(slow));
}

#[test]
fn held_back_rows_are_bounded_by_their_fields_too() {
    // Rows whose day/month order is unknown wait for a row that settles it; wide rows of
    // empty fields would hold far more memory than the file's size.
    let header = format!("Date,Amount{}", wide(999));
    let row = format!("03/04/2024,1{}", ",".repeat(998));
    let mut text = header;
    for _ in 0..2_100 {
        text.push('\n');
        text.push_str(&row);
    }
    let e = import(&text).expect_err("held back too much");
    assert_eq!(e.line, 2);
    assert!(matches!(e.reason, ErrorReason::AmbiguousDate(_)), "{e}");
    let mut given = opts();
    given.date_format = Some(DateFormat::DayFirst);
    assert_eq!(import_with(&text, given).map(|t| t.len()), Ok(2_100));
}

#[test]
fn extreme_dates_parse_or_are_refused_cleanly() {
    let canonical = |date: &str| {
        let text = format!("{}\n{date},a,1,USD,x,y,z,r\n", TXN_CSV_HEADER.join(","));
        import(&text).map(|t| t[0].date)
    };
    assert!(canonical("0000-01-01").is_ok());
    assert!(canonical("9999-12-31").is_ok());
    for bad in [
        "99999-01-01",
        "+2024-01-01",
        "2024-00-01",
        "0000-00-00",
        "-001-01-01",
    ] {
        let e = canonical(bad).expect_err(bad);
        assert!(
            matches!(e.reason, ErrorReason::BadDate { .. }),
            "{bad}: {e}"
        );
    }
    for bad in [
        "1/1/99999",
        "12/31/4294967295",
        "99999999",
        "31.12.-1",
        "4294967296-01-01",
    ] {
        let e = import(&format!("Date,Amount\n{bad},1\n")).expect_err(bad);
        assert!(
            matches!(e.reason, ErrorReason::BadDate { .. }),
            "{bad}: {e}"
        );
    }
    for posted in ["00000000", "99999999", "99991231235959.999[+99:XYZ]"] {
        let ofx = format!("<OFX><STMTTRN><DTPOSTED>{posted}<TRNAMT>1</STMTTRN></OFX>");
        let result = parse_ofx(ofx.as_bytes(), &opts());
        let clean = match &result {
            Ok(txns) => txns.len() == 1,
            Err(e) => matches!(e.reason, ErrorReason::BadDate { .. }),
        };
        assert!(clean, "{posted}: {result:?}");
        let _ = import_bytes(ofx.as_bytes(), &opts());
    }
}

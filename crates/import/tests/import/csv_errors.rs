use crate::{import, import_with, opts};
use flowsense_import::{CsvImporter, ErrorReason, ImportError};
use std::io::Read;

fn err(text: &str) -> ImportError {
    import(text).expect_err("should be refused")
}

#[test]
fn wrong_column_count() {
    let e = err("Date,Description,Amount\n2024-01-01,a,1\n2024-01-02,b,\"(1,234.56)\",x\n");
    assert_eq!(e.line, 3);
    assert_eq!(
        e.reason,
        ErrorReason::ColumnCount {
            expected: 3,
            found: 4
        }
    );
    assert_eq!(
        e.to_string(),
        "books.csv:3: expected 3 fields as in the header, found 4 (a value holding the delimiter must be in quotes)"
    );
}

#[test]
fn bad_date_names_the_expected_format() {
    let e = err(
        "date,account,amount,currency,counterparty,category,description,reference\n\
         2024-01-01,a,1,USD,x,y,z,\n2024-13-45,a,1,USD,x,y,z,\n",
    );
    assert_eq!(
        e.to_string(),
        r#"books.csv:3: bad date "2024-13-45" (expected YYYY-MM-DD)"#
    );
}

#[test]
fn bad_amount_is_not_guessed() {
    let e = err("Date,Description,Amount\n2024-01-01,a,1\n2024-01-02,b,\"12,3.4\"\n");
    assert_eq!(e.line, 3);
    assert!(matches!(e.reason, ErrorReason::BadAmount { .. }));
    assert!(
        e.to_string()
            .starts_with(r#"books.csv:3: bad amount "12,3.4""#),
        "{e}"
    );
}

#[test]
fn messages_never_carry_other_fields() {
    let e = err("Date,Description,Amount\n2024-01-01,SECRET PAYEE 987.65,oops\n");
    let msg = e.to_string();
    assert!(!msg.contains("SECRET") && !msg.contains("987"), "{msg}");
    let long = "9".repeat(300);
    let e = err(&format!("Date,Description,Amount\n2024-01-01,a,{long}x\n"));
    assert!(e.to_string().len() < 120, "{e}");
}

#[test]
fn empty_file() {
    for text in ["", "\n\n", "\u{FEFF}"] {
        let e = err(text);
        assert_eq!(e.reason, ErrorReason::EmptyFile);
        assert_eq!(e.to_string(), "books.csv: empty file (no header line)");
    }
}

#[test]
fn header_without_required_columns() {
    let e = err("Description,Memo\nx,y\n");
    assert_eq!(e.line, 1);
    assert_eq!(
        e.to_string(),
        "books.csv:1: no header line names the date, amount (or debit/credit) column(s): name them with --map (e.g. --map date=Posted,amount=Amt)"
    );
    assert_eq!(
        err("Date,Memo\n").reason,
        ErrorReason::UnrecognisedHeader("amount (or debit/credit)".into())
    );
}

#[test]
fn binary_junk() {
    let bytes: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    let e = CsvImporter::new(&bytes[..], opts()).err().expect("refused");
    assert_eq!(e.reason, ErrorReason::NotText);
    assert_eq!(e.to_string(), "books.csv:1: not a text CSV file");
    // A NUL byte past the sniffed prefix is caught on its own row.
    let mut text = String::from("Date,Description,Amount\n");
    for _ in 0..5000 {
        text.push_str("2024-01-01,padding padding padding,1\n");
    }
    text.push_str("2024-01-01,a\0b,1\n");
    let e = err(&text);
    assert_eq!((e.line, e.reason), (5002, ErrorReason::NotText));
}

#[test]
fn huge_line_is_refused_while_streaming() {
    let src = std::io::repeat(b'a').take(200 << 20);
    let e = CsvImporter::new(src, opts()).err().expect("refused");
    assert_eq!(e.to_string(), "books.csv:1: line longer than 1048576 bytes");

    let head: &[u8] = b"Date,Description,Amount\n2024-01-01,a,1\n2024-01-01,";
    let src = head.chain(std::io::repeat(b'a').take(200 << 20));
    let result: Result<Vec<_>, _> = CsvImporter::new(src, opts())
        .expect("header is fine")
        .collect();
    let e = result.expect_err("refused");
    assert_eq!((e.line, e.reason), (3, ErrorReason::LineTooLong(1 << 20)));
}

#[test]
fn unclosed_quote_is_bounded() {
    let mut text = String::from("Date,Description,Amount\n2024-01-01,\"open,1\n");
    for _ in 0..40_000 {
        text.push_str("2024-01-01,more text here,1\n");
    }
    let e = err(&text);
    assert_eq!((e.line, e.reason), (2, ErrorReason::RecordTooLong(1 << 20)));
}

#[test]
fn row_cap() {
    let mut o = opts();
    o.max_rows = 2;
    let e = import_with(
        "Date,Description,Amount\n2024-01-01,a,1\n\n2024-01-01,a,1\n2024-01-01,a,1\n",
        o,
    )
    .expect_err("capped");
    assert_eq!((e.line, e.reason), (5, ErrorReason::TooManyRows(2)));
}

#[test]
fn ambiguous_dates_need_a_format() {
    let e = err("Date,Description,Amount\n2024-01-01,a,1\n03/04/2024,b,2\n05/06/2024,c,3\n");
    assert_eq!(e.line, 3);
    assert!(e.to_string().contains("pass --date-format"), "{e}");
}

#[test]
fn mixed_decimal_separators_are_refused() {
    let e = err("Date;Amount\n2024-01-01;1.234,56\n2024-01-02;1,234.56\n");
    assert_eq!(e.line, 3);
    assert!(matches!(e.reason, ErrorReason::BadAmount { .. }));
}

#[test]
fn bad_currency_and_mapped_column() {
    let e = err("Date,Amount,Currency\n2024-01-01,1,US$\n");
    assert_eq!(e.to_string(), r#"books.csv:2: bad currency "US$""#);
    let mut o = opts();
    o.column_map = flowsense_import::ColumnMap::parse("date=When").unwrap();
    let e = import_with("Date,Amount\n", o).expect_err("unknown column");
    assert!(matches!(e.reason, ErrorReason::UnknownMappedColumn(_)));
}

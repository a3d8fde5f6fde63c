//! Every importer refuses an amount beyond ±10^12 major units of its currency, and accepts
//! one exactly at it.

use crate::{import, import_with, opts};
use flowsense_core::books::{Books, TXN_CSV_HEADER};
use flowsense_core::money::Currency;
use flowsense_import::{
    DecimalSeparator, ErrorReason, ImportError, ImportOptions, MAX_ABS_AMOUNT_MAJOR,
    books_from_reader, import_bytes, max_abs_minor, parse_books_bytes, parse_books_bytes_in,
    parse_documents_csv, parse_ofx, read_books_csv,
};

const USD_MAX: i64 = 100_000_000_000_000;

fn out_of_range(e: &ImportError) -> bool {
    matches!(e.reason, ErrorReason::AmountOutOfRange { .. })
}

#[test]
fn the_bound_is_one_trillion_in_minor_units() {
    assert_eq!(MAX_ABS_AMOUNT_MAJOR, 1_000_000_000_000);
    assert_eq!(max_abs_minor(Currency::USD), USD_MAX);
}

#[test]
fn three_rows_near_i64_max_are_refused_at_line_2() {
    let text = "date,amount,description\n\
                2026-01-01,92233720368547758.07,x\n\
                2026-01-02,92233720368547758.07,x\n\
                2026-01-03,92233720368547758.07,x\n";
    for e in [
        import(text).expect_err("refused"),
        import_bytes(text.as_bytes(), &opts()).expect_err("refused"),
    ] {
        assert_eq!(
            e.to_string(),
            "books.csv:2: amount \"92233720368547758.07\" is beyond the largest accepted \
             (±1,000,000,000,000 USD)"
        );
    }
}

#[test]
fn bank_csv_amounts_at_and_beyond_the_bound() {
    let amounts = |column: &str| {
        import(&format!("Date,Description,Amount\n2024-01-01,x,{column}\n"))
            .map(|t| t[0].amount_minor)
    };
    assert_eq!(amounts("\"1,000,000,000,000.00\""), Ok(USD_MAX));
    assert_eq!(amounts("-1000000000000"), Ok(-USD_MAX));
    assert_eq!(amounts("(1000000000000.00)"), Ok(-USD_MAX));
    for beyond in [
        "1000000000000.01",
        "-1000000000000.01",
        "\"$1,000,000,000,000.01\"",
        "99999999999999999999999",
    ] {
        let e = amounts(beyond).expect_err(beyond);
        assert!(out_of_range(&e) && e.line == 2, "{beyond}: {e}");
    }
    let mut comma = opts();
    comma.decimal = Some(DecimalSeparator::Comma);
    let e =
        import_with("Date;Amount\n2024-01-01;1.000.000.000.000,01\n", comma).expect_err("beyond");
    assert!(out_of_range(&e), "{e}");
}

#[test]
fn debit_and_credit_columns_are_each_bounded() {
    let net = |debit: &str, credit: &str| {
        import(&format!(
            "Date,Description,Debit,Credit\n2024-01-01,x,{debit},{credit}\n"
        ))
        .map(|t| t[0].amount_minor)
    };
    assert_eq!(net("1000000000000.00", ""), Ok(-USD_MAX));
    assert_eq!(net("", "1000000000000.00"), Ok(USD_MAX));
    assert_eq!(net("1000000000000.00", "1000000000000.00"), Ok(0));
    assert!(out_of_range(
        &net("1000000000000.01", "").expect_err("debit")
    ));
    assert!(out_of_range(
        &net("1", "92233720368547758.07").expect_err("credit")
    ));
}

fn books_text(amounts: &[&str]) -> String {
    let mut text = TXN_CSV_HEADER.join(",");
    for (i, amount) in amounts.iter().enumerate() {
        text.push_str(&format!(
            "\n2024-01-{:02},Checking,{amount},USD,x,Ops,d,r{i}",
            i + 1
        ));
    }
    text.push('\n');
    text
}

/// The streaming reader, the fast path in one and in several chunks, and the file reader.
fn all_book_readers(text: &str, opts: &ImportOptions) -> Vec<Result<Books, ImportError>> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("books.csv");
    std::fs::write(&path, text).expect("write");
    let from_file = read_books_csv(&path, opts.base_currency).map_err(|mut e| {
        e.source_name = opts.source_name.clone();
        e
    });
    vec![
        books_from_reader(text.as_bytes(), opts),
        parse_books_bytes(text.as_bytes(), opts),
        parse_books_bytes_in(text.as_bytes(), opts, 3),
        from_file,
    ]
}

#[test]
fn books_csv_fast_and_streaming_paths_agree_on_the_bound() {
    let o = ImportOptions::new(Currency::USD);
    let at_bound = books_text(&["1000000000000.00", "-1000000000000", "5.00"]);
    for books in all_book_readers(&at_bound, &o) {
        let amounts: Vec<i64> = books
            .expect("valid")
            .txns
            .iter()
            .map(|t| t.amount)
            .collect();
        assert_eq!(amounts, [USD_MAX, -USD_MAX, 500]);
    }
    for beyond in [
        "1000000000000.01",
        "-1000000000000.01",
        "92233720368547758.07",
        "1e20",
    ] {
        let text = books_text(&["1.00", "2.00", beyond]);
        let results = all_book_readers(&text, &o);
        let first = results[0].as_ref().expect_err(beyond);
        assert_eq!(first.line, 4, "{beyond}");
        assert!(
            results.iter().all(|r| r.as_ref().err() == Some(first)),
            "{beyond}"
        );
    }
}

#[test]
fn the_bound_follows_the_currency_exponent() {
    let yen = Currency::parse("JPY").expect("a currency");
    let o = ImportOptions::new(yen);
    let text = |amount: &str| {
        format!(
            "{}\n2024-01-01,a,{amount},JPY,x,y,z,r\n",
            TXN_CSV_HEADER.join(",")
        )
    };
    let books = parse_books_bytes(text("1000000000000").as_bytes(), &o).expect("at the bound");
    assert_eq!(books.txns[0].amount, 1_000_000_000_000);
    let e = parse_books_bytes(text("1000000000001").as_bytes(), &o).expect_err("beyond");
    assert!(e.to_string().contains("(±1,000,000,000,000 JPY)"), "{e}");
}

fn ofx_with_amount(amount: &str) -> String {
    format!(
        "OFXHEADER:100\n\n<OFX>\n<STMTRS>\n<CURDEF>USD\n<STMTTRN>\n<DTPOSTED>20240101\n\
         <TRNAMT>{amount}\n<FITID>1\n</STMTTRN>\n</STMTRS>\n</OFX>\n"
    )
}

#[test]
fn ofx_amounts_at_and_beyond_the_bound() {
    let parse = |amount: &str| parse_ofx(ofx_with_amount(amount).as_bytes(), &opts());
    assert_eq!(
        parse("1000000000000.00").map(|t| t[0].amount_minor),
        Ok(USD_MAX)
    );
    assert_eq!(
        parse("-1000000000000,00").map(|t| t[0].amount_minor),
        Ok(-USD_MAX)
    );
    for beyond in [
        "1000000000000.01",
        "-1000000000000.01",
        "92233720368547758.07",
    ] {
        let e = parse(beyond).expect_err(beyond);
        // The line of `<TRNAMT>`.
        assert!(out_of_range(&e) && e.line == 8, "{beyond}: {e}");
        assert!(e.to_string().contains(beyond), "{e}");
    }
}

#[test]
fn document_amounts_at_and_beyond_the_bound() {
    let parse = |amount: &str| {
        let text = format!(
            "kind,number,counterparty,issue_date,due_date,paid_date,amount,currency\n\
             invoice,1,A,2024-01-01,2024-01-31,,5.00,USD\n\
             invoice,2,B,2024-01-01,2024-01-31,,{amount},USD\n"
        );
        parse_documents_csv(text.as_bytes(), &opts()).map(|d| d[1].amount_minor)
    };
    assert_eq!(parse("1000000000000.00"), Ok(USD_MAX));
    for beyond in ["1000000000000.01", "99999999999999999999"] {
        let e = parse(beyond).expect_err(beyond);
        assert!(out_of_range(&e) && e.line == 3, "{beyond}: {e}");
    }
    // Negative documents stay refused as before, with their own message.
    let e = parse("-1000000000000.01").expect_err("negative");
    assert!(matches!(e.reason, ErrorReason::BadAmount { .. }), "{e}");
}

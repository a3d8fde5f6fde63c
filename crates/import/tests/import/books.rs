use crate::opts;
use flowsense_core::books::TXN_CSV_HEADER;
use flowsense_core::money::Currency;
use flowsense_import::{ErrorReason, ImportOptions, books_from_reader, read_books_csv};
use std::fmt::Write as _;

/// A canonical books file with repeats, transfers, quotes, blank lines and CRLF.
pub(crate) fn sample_books(rows: usize) -> String {
    let mut s = TXN_CSV_HEADER.join(",");
    s.push('\n');
    let accounts = ["Checking", "Savings", "Card"];
    let parties = ["Blue Bottle", "Acme, Inc.", "Landlord", "Payroll \"Co\""];
    for i in 0..rows {
        let party = parties[i % parties.len()];
        let party = if party.contains([',', '"']) {
            format!("\"{}\"", party.replace('"', "\"\""))
        } else {
            party.to_owned()
        };
        let category = if i % 7 == 0 { "transfer" } else { "Ops" };
        let _ = write!(
            s,
            "2024-{:02}-{:02},{},{}.{:02},USD,{party},{category},row {i},{}",
            i % 12 + 1,
            i % 28 + 1,
            accounts[i % 3],
            (i64::try_from(i).expect("a row") * 37 % 5000) - 2500,
            i % 100,
            if i % 2 == 0 {
                String::new()
            } else {
                format!("ref-{i}")
            }
        );
        s.push_str(if i % 5 == 0 { "\r\n" } else { "\n" });
        if i % 11 == 0 {
            s.push('\n');
        }
    }
    s
}

#[test]
fn fast_path_equals_slow_path() {
    let text = sample_books(3000);
    let o = ImportOptions::new(Currency::USD);
    let slow = books_from_reader(text.as_bytes(), &o).unwrap();
    for chunks in [1, 2, 3, 4, 7] {
        let fast = flowsense_import::parse_books_bytes_in(text.as_bytes(), &o, chunks).unwrap();
        assert_eq!(fast, slow, "{chunks} chunks");
    }
    assert_eq!(slow.txns.len(), 3000);
    assert_eq!(slow.txns[0].id, 2);
    assert!(slow.txns[0].transfer);
    assert_eq!(slow.categories.name(slow.txns[0].category), "Transfer");
}

#[test]
fn fast_path_reports_the_first_error_line() {
    let mut text = sample_books(2000);
    let lines: Vec<&str> = text.lines().collect();
    let bad_line = 1500;
    let mut rebuilt: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
    rebuilt[bad_line - 1] = "2024-02-30,Checking,1.00,USD,x,y,z,".into();
    rebuilt[1900] = "2024-01-01,Checking,1.001,USD,x,y,z,".into();
    text = rebuilt.join("\n");
    let o = ImportOptions::new(Currency::USD);
    let slow = books_from_reader(text.as_bytes(), &o).unwrap_err();
    assert_eq!(slow.line, bad_line as u64);
    for chunks in [1, 2, 4] {
        let fast = flowsense_import::parse_books_bytes_in(text.as_bytes(), &o, chunks).unwrap_err();
        assert_eq!(fast, slow);
    }
}

#[test]
fn foreign_currency_and_wrong_width_match() {
    let o = ImportOptions::new(Currency::USD);
    for text in [
        "date,account,amount,currency,counterparty,category,description,reference\n2024-01-01,a,1,EUR,x,y,z,\n",
        "date,account,amount,currency,counterparty,category,description,reference\n2024-01-01,a,1,USD,x,y\n",
        "date,account,amount,currency,counterparty,category,description,reference\n\"2024-01-01\",a,1,USD,x,y,\"multi\nline\",r\n2024-01-01,a,x,USD,x,y,z,\n",
    ] {
        let slow = books_from_reader(text.as_bytes(), &o).unwrap_err();
        let fast = flowsense_import::parse_books_bytes_in(text.as_bytes(), &o, 2).unwrap_err();
        assert_eq!(fast, slow);
    }
}

#[test]
fn read_books_csv_with_documents() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("books.csv");
    std::fs::write(&path, sample_books(50)).unwrap();
    std::fs::write(
        dir.path().join("books.documents.csv"),
        "kind,number,counterparty,issue_date,due_date,paid_date,amount,currency\n\
         invoice,INV-1,New Client,2024-01-01,2024-01-31,,1200.00,USD\n\
         bill,B-7,Landlord,2024-01-02,2024-01-15,2024-01-14,850,USD\n",
    )
    .unwrap();
    let books = read_books_csv(&path, Currency::USD).unwrap();
    assert_eq!(books.txns.len(), 50);
    assert_eq!(books.documents.len(), 2);
    assert_eq!(
        books.counterparties.name(books.documents[0].counterparty),
        "New Client"
    );
    assert_eq!(
        books.documents[1].paid,
        chrono::NaiveDate::from_ymd_opt(2024, 1, 14)
    );
    assert_eq!(books.documents[0].amount, 120_000);

    std::fs::write(
        dir.path().join("books.documents.csv"),
        "kind,number\ninvoice,1\n",
    )
    .unwrap();
    let e = read_books_csv(&path, Currency::USD).unwrap_err();
    assert!(e.source_name.ends_with("books.documents.csv"));
    assert!(matches!(e.reason, ErrorReason::MissingColumns(_)));
}

#[test]
fn read_books_csv_of_a_bank_export_and_a_huge_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bank.csv");
    std::fs::write(&path, "Date,Description,Amount\n2024-01-01,coffee,-4.50\n").unwrap();
    let books = read_books_csv(&path, Currency::USD).unwrap();
    assert_eq!(books.txns[0].amount, -450);
    assert_eq!(books.accounts.name(0), opts_default_account());

    let mut f = std::fs::File::create(&path).unwrap();
    std::io::Write::write_all(&mut f, b"date,account,amount,currency,counterparty,category,description,reference\n2024-13-01,a,1,USD,x,y,z,\n").unwrap();
    std::io::copy(
        &mut std::io::Read::take(std::io::repeat(b'x'), 3 << 20),
        &mut f,
    )
    .unwrap();
    drop(f);
    let e = read_books_csv(&path, Currency::USD).unwrap_err();
    assert_eq!(e.line, 2, "the bad date comes before the long line: {e}");
}

fn opts_default_account() -> String {
    ImportOptions::new(Currency::USD).default_account
}

#[test]
fn opts_helper_is_used() {
    assert_eq!(opts().default_account, "Main");
}

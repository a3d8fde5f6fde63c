//! The fast readers against the streaming ones on rows that leave the plain byte path.

use flowsense_core::books::{Books, TXN_CSV_HEADER};
use flowsense_core::money::Currency;
use flowsense_import::{
    ImportError, ImportOptions, add_documents, books_from_reader, parse_books_bytes_in,
    parse_documents_csv, read_books_csv,
};

const ODD_ROWS: &[&str] = &[
    "2024-01-01,Checking,1.00,USD,Plain,Ops,d,r",
    " 2024-01-02 ,\tChecking ,+2.5, usd ,Café,ops,d,r",
    "2024-01-03,\u{a0}Checking\u{a0},3,,\u{2003}Café ,TRANSFER,d,r",
    "2024-01-04,,1.500,USD,Default account,Ops,d,r,,  ,",
    "2024-01-05,Savings,-0.07,USD,\"Quoted, Inc.\",Ops,d,r",
    "2024-01-06,Savings,1000000000000.00,USD,Big,Ops,d,r",
    "2024-01-06,Savings,-1000000000000,USD,Big,Ops,d,r",
    "2024-01-07,Savings,-.5,USD,Dotless,transfer,d,r",
    "2024-01-08,Savings,7.,USD,\u{feff}Bom,Ops,d,r",
    "2024-01-09,Café,1,USD,x\u{85},Ops,d,r",
];

const BAD_ROWS: &[&str] = &[
    "2024-1-09,Checking,1,USD,x,y,z,r",
    "2024-01-09,Checking,1.001,USD,x,y,z,r",
    "2024-01-09,Checking,1,EUR,x,y,z,r",
    "2024-01-09,Checking,1,US,x,y,z,r",
    "2024-01-09,Checking,1,USD,x,y,z",
    "2024-01-09,Checking,1,USD,x,y,z,r,extra",
    "2024-01-09,Checking,99999999999999999999,USD,x,y,z,r",
    "2024-01-09,Checking,1000000000000.01,USD,x,y,z,r",
    "2024-01-09,Checking,-1000000000000.01,USD,x,y,z,r",
    "2024-01-09,Checking,999999999999999.99,USD,x,y,z,r",
    "2024-01-09,Checking,92233720368547758.07,USD,x,y,z,r",
    "2024-01-09,Checking,1e3,USD,x,y,z,r",
    "   ",
];

fn books_text(rows: &[&str], ending: &str) -> String {
    let mut text = TXN_CSV_HEADER.join(",");
    for row in rows {
        text.push_str(ending);
        text.push_str(row);
    }
    text
}

fn fast_and_slow(text: &str) -> Vec<Result<Books, ImportError>> {
    let opts = ImportOptions::new(Currency::USD);
    let mut results = vec![books_from_reader(text.as_bytes(), &opts)];
    for chunks in [1, 2, 3, 5] {
        results.push(parse_books_bytes_in(text.as_bytes(), &opts, chunks));
    }
    results
}

#[test]
fn odd_rows_read_as_the_streaming_path_reads_them() {
    for ending in ["\n", "\r\n", "\n\n"] {
        let text = books_text(ODD_ROWS, ending);
        let results = fast_and_slow(&text);
        let slow = results[0].as_ref().expect("odd rows are valid");
        assert_eq!(slow.txns.len(), ODD_ROWS.len());
        assert!(results.iter().all(|r| r.as_ref() == Ok(slow)), "{ending:?}");
    }
}

#[test]
fn bad_rows_fail_as_the_streaming_path_fails() {
    for bad in BAD_ROWS {
        let mut rows = ODD_ROWS.to_vec();
        rows.insert(3, bad);
        let results = fast_and_slow(&books_text(&rows, "\n"));
        assert!(results[0].is_err(), "{bad}");
        assert!(results.iter().all(|r| *r == results[0]), "{bad}");
    }
}

fn read_with_streamed_documents(dir: &std::path::Path, documents: &str) {
    let path = dir.join("books.csv");
    std::fs::write(&path, books_text(ODD_ROWS, "\n")).expect("write books");
    let docs_path = dir.join("books.documents.csv");
    std::fs::write(&docs_path, documents).expect("write documents");
    let fast = read_books_csv(&path, Currency::USD);
    let opts = ImportOptions::new(Currency::USD).with_source_name(docs_path.display().to_string());
    let slow = (|| {
        let mut books = books_from_reader(std::fs::File::open(&path).expect("open"), &opts)?;
        let docs = parse_documents_csv(documents.as_bytes(), &opts)?;
        add_documents(&mut books, docs, &opts.source_name)?;
        Ok(books)
    })();
    assert_eq!(fast, slow, "{documents:?}");
}

#[test]
fn documents_read_as_the_streaming_reader_reads_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let header = "kind,number,counterparty,issue_date,due_date,paid_date,amount,currency";
    let good = "invoice,INV-1,Café,2024-01-01,2024-01-31,,1200.00,USD";
    let bill = "Bill , B-7 ,Plain,2024-01-02,2024-01-15,2024-01-14,850,usd,extra";
    let eur = "bill,B-8,Plain,2024-01-02,2024-01-15,,850,EUR";
    let bad = "bill,B-9,Plain,2024-01-02,2024-01-15,,-1,USD";
    let largest = "bill,B-10,Plain,2024-01-02,2024-01-15,,1000000000000.00,USD";
    let too_large = "bill,B-11,Plain,2024-01-02,2024-01-15,,1000000000000.01,USD";
    let overflowing = "bill,B-12,Plain,2024-01-02,2024-01-15,,99999999999999999999,USD";
    let wide = format!("{good}{}", ",".repeat(1_000));
    for documents in [
        format!("{header}\n{good}\n{largest}\n"),
        format!("{header}\n{good}\n{too_large}\n{bill}\n"),
        format!("{header}\n{overflowing}\n"),
        format!("{header}\n{good}\n{wide}\n"),
        format!("{header}\n{good}\n{bill}\n"),
        format!("\u{feff}{header}\r\n\r\n{good}\r\n{bill}"),
        format!("{header}\n{good}\n{eur}\n{bill}\n"),
        format!("{header}\n{eur}\n{bad}\n"),
        format!("{header}\n{good}\ninvoice,1\n"),
        format!("{header}\n\"{good}\"\n"),
        format!("{header}\n{good}\n\r"),
        "\n\n".to_owned(),
        String::new(),
    ] {
        read_with_streamed_documents(dir.path(), &documents);
    }
}

/// Enough rows for several read blocks (of at least 1 MiB each).
fn many_rows(rows: usize) -> Vec<String> {
    (0..rows)
        .map(|i| {
            let row = ODD_ROWS[i % ODD_ROWS.len()];
            let party = ["Plain", "Café", "Acme Supplies Incorporated"][i % 3];
            row.replacen("Checking", &format!("Checking {}", i % 7), 1)
                .replacen("Plain", party, 1)
        })
        .collect()
}

#[test]
fn multi_block_files_read_as_the_streaming_path_reads_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("big.csv");
    let rows = many_rows(100_000);
    let mut with_error = rows.clone();
    with_error[95_555] = "2024-02-30,Checking,1.00,USD,x,y,z,".into();
    let mut with_quoted_newline = rows.clone();
    with_quoted_newline[40_000] = "2024-01-01,a,1,USD,x,y,\"multi\nline\",r".into();
    for (rows, ending) in [
        (&rows, "\n"),
        (&rows, "\r\n"),
        (&with_error, "\n"),
        (&with_quoted_newline, "\n"),
    ] {
        let refs: Vec<&str> = rows.iter().map(String::as_str).collect();
        let text = books_text(&refs, ending);
        assert!(text.len() > 3 << 20, "several blocks");
        std::fs::write(&path, &text).expect("write books");
        let fast = read_books_csv(&path, Currency::USD);
        let opts = ImportOptions::new(Currency::USD).with_source_name(path.display().to_string());
        let slow = books_from_reader(text.as_bytes(), &opts);
        assert_eq!(fast, slow, "{ending:?}");
    }
}

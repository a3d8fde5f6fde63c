//! Times `read_books_csv` (fast path) and, with `--slow`, the streaming path on one file.
//!
//! `cargo run --release -p flowsense-import --example read_books -- books.csv [--slow|--check]`
//! (`--check` also runs the streaming path, and the streaming documents reader on
//! `<stem>.documents.csv` if there is one, and fails unless both give the same books).

use flowsense_core::money::Currency;
use flowsense_import::{
    ImportOptions, add_documents, books_from_reader, parse_documents_csv, read_books_csv,
};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: read_books FILE [--slow]")?;
    let flag = args.next();
    let slow = flag.as_deref() == Some("--slow");
    let started = Instant::now();
    let books = if slow {
        let file = std::io::BufReader::new(std::fs::File::open(&path)?);
        books_from_reader(
            file,
            &ImportOptions::new(Currency::USD).with_source_name(path.clone()),
        )?
    } else {
        read_books_csv(path.as_ref(), Currency::USD)?
    };
    let elapsed = started.elapsed();
    println!(
        "{} path: {} transactions, {} accounts, {} categories, {} counterparties in {:.3} s",
        if slow { "slow" } else { "fast" },
        books.txns.len(),
        books.accounts.len(),
        books.categories.len(),
        books.counterparties.len(),
        elapsed.as_secs_f64()
    );
    if flag.as_deref() == Some("--check") {
        let file = std::io::BufReader::new(std::fs::File::open(&path)?);
        let mut streamed = books_from_reader(
            file,
            &ImportOptions::new(Currency::USD).with_source_name(path.clone()),
        )?;
        let docs = std::path::Path::new(&path).with_extension("documents.csv");
        if docs.is_file() {
            let file = std::io::BufReader::new(std::fs::File::open(&docs)?);
            let opts = ImportOptions::new(Currency::USD);
            add_documents(
                &mut streamed,
                parse_documents_csv(file, &opts)?,
                "documents",
            )?;
        }
        if streamed != books {
            return Err("the fast and the streaming path disagree".into());
        }
        println!("streaming path gives identical books");
    }
    Ok(())
}

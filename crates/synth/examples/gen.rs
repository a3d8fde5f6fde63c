//! `cargo run --release -p flowsense-synth --example gen -- N OUT.csv [SEED]`: generates N
//! transactions, writes CSV, documents CSV and journal next to it, and reports timings.

use flowsense_synth::{GenConfig, generate, write_csv, write_documents_csv, write_journal};
use std::fs::File;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).map_or(Ok(10_000), |s| s.parse())?;
    let out = args
        .get(2)
        .cloned()
        .unwrap_or_else(|| "books.csv".to_owned());
    let seed: u64 = args.get(3).map_or(Ok(42), |s| s.parse())?;
    let t0 = Instant::now();
    let books = generate(&GenConfig::new(seed, n))?;
    let t1 = Instant::now();
    write_csv(&books, File::create(&out)?)?;
    let t2 = Instant::now();
    write_documents_csv(&books, File::create(format!("{out}.documents.csv"))?)?;
    write_journal(&books, File::create(format!("{out}.journal"))?)?;
    let t3 = Instant::now();
    eprintln!(
        "{} txns, {} documents, {} months; generate {:?}, csv {:?}, documents+journal {:?}",
        books.transactions.len(),
        books.documents.len(),
        (books.end - books.start).num_days() / 30,
        t1 - t0,
        t2 - t1,
        t3 - t2
    );
    Ok(())
}

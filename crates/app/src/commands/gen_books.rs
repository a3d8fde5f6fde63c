//! `flowsense gen`: realistic synthetic books as CSV (and a journal), deterministic by seed
//! and end date: exactly the transactions asked for, ending today unless `--end` says otherwise.

use crate::cli::GenArgs;
use anyhow::{Context, Result};
use flowsense_synth::{
    GenConfig, generate_ending, parse_currencies, spread_currencies,
    write_csv_with_opening_balances, write_documents_csv, write_journal, write_rates_csv,
};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

pub fn run(args: &GenArgs) -> Result<()> {
    let started = std::time::Instant::now();
    let config = GenConfig::new(args.seed, args.transactions);
    let end = args.end.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let mut books = generate_ending(&config, end).context("--transactions")?;
    if let Some(codes) = &args.currencies {
        let currencies = parse_currencies(codes).context("--currencies")?;
        spread_currencies(&mut books, &currencies);
        let rates = rates_path(&args.out);
        write_file(&rates, |w| write_rates_csv(&books.rates, w))?;
        eprintln!(
            "wrote {} monthly rates to {}",
            books.rates.len(),
            rates.display()
        );
    }
    write_file(&args.out, |w| write_csv_with_opening_balances(&books, w))?;
    let documents = documents_path(&args.out);
    write_file(&documents, |w| write_documents_csv(&books, w))?;
    if let Some(journal) = &args.journal {
        write_file(journal, |w| write_journal(&books, w))?;
    }
    eprintln!(
        "wrote {} transactions ({} to {}) after the accounts' opening balances, and {} invoices \
         and bills to {}{} in {:.2?}",
        books.transactions.len(),
        books.start,
        books.transactions.last().map_or(end, |t| t.date),
        books.documents.len(),
        documents.display(),
        args.journal
            .as_ref()
            .map(|j| format!(", journal {}", j.display()))
            .unwrap_or_default(),
        started.elapsed()
    );
    Ok(())
}

/// `books.csv` → `books.rates.csv`, the monthly rates of books in several currencies.
pub(crate) fn rates_path(csv: &Path) -> PathBuf {
    let stem = csv
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    csv.with_file_name(format!("{stem}.rates.csv"))
}

/// `books.csv` → `books.documents.csv`, the invoices and bills that go with it.
pub(crate) fn documents_path(csv: &Path) -> PathBuf {
    let stem = csv
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    csv.with_file_name(format!("{stem}.documents.csv"))
}

fn write_file(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> Result<()> {
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    write(&mut w)
        .and_then(|()| w.flush())
        .with_context(|| format!("writing {}", path.display()))
}

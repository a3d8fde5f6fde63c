//! One integration-test binary for flowsense-import.

mod amazon_eu;
mod amount_bounds;
mod books;
mod cashflow;
mod corpus;
mod csv_errors;
mod csv_layouts;
mod csv_limits;
mod fast_edges;
mod known_layouts;
mod ofx;
mod ofx_corpus;
mod ofx_limits;
mod preview;
mod props;
mod qif;
mod refunds;

use flowsense_core::money::Currency;
use flowsense_import::{CsvImporter, ImportError, ImportOptions, ImportedTxn};
use std::path::PathBuf;

pub fn opts() -> ImportOptions {
    ImportOptions::new(Currency::USD)
        .with_source_name("books.csv")
        .with_default_account("Main")
}

pub fn import(text: &str) -> Result<Vec<ImportedTxn>, ImportError> {
    import_with(text, opts())
}

pub fn import_with(text: &str, opts: ImportOptions) -> Result<Vec<ImportedTxn>, ImportError> {
    CsvImporter::new(text.as_bytes(), opts)?.collect()
}

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn date(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

//! FlowSense file importers: bank CSV exports (mapped by header or by `--map`), OFX/QFX
//! statements, QIF exports, and a fast reader of the canonical books CSV for `flowsense report --input`.
//!
//! Pure parsing: readers, byte slices and paths in; records or [`flowsense_core::Books`] out.
//! Every failure is an [`ImportError`] naming the file, the line and the reason, never the
//! contents of other rows.

mod amount;
mod books_csv;
mod bounds;
mod cashflow_csv;
mod columns;
mod csv_import;
mod date;
mod detect;
mod documents;
mod error;
mod fast;
mod fast_chunk;
mod fast_fields;
mod fast_file;
#[cfg(any(test, fuzzing))]
pub mod fuzz_checks;
mod headerless;
mod layouts;
mod limit;
mod notes;
mod ofx;
mod preview;
mod qif;
mod rates;
mod records;
mod reference;
mod row;
mod text;

pub use amount::{Amount, DecimalMode, DecimalSeparator, parse_amount};
pub use books_csv::{books_from_reader, read_books_csv};
pub use bounds::{MAX_ABS_AMOUNT_MAJOR, max_abs_minor};
pub use cashflow_csv::cashflow_report_csv;
pub use columns::{ColumnMap, Field, Layout, normalise_header};
pub use csv_import::CsvImporter;
pub use date::{
    DateFormat, DateValue, SlashOrder, parse_date_auto, parse_date_with, parse_iso_date,
};
pub use detect::{FileFormat, FileSource, Importer, detect_format, import_bytes, open_path};
pub use documents::{add_documents, parse_documents_csv};
pub use error::{ErrorReason, ImportError, Quoted};
pub use fast::{parse_books_bytes, parse_books_bytes_in};
pub use layouts::{FEE_CATEGORY, KnownLayout, LAYOUTS};
pub use limit::{LimitExceeded, LineLimitReader, limit_exceeded};
pub use notes::ImportNotes;
pub use ofx::parse_ofx;
pub use preview::{PREVIEW_ROWS, Preview, preview_path};
pub use rates::{MAX_RATES, RatesFileError, RatesLayout, parse_rates_file};
pub use row::Skip;
pub use text::Encoding;

use chrono::NaiveDate;
use flowsense_core::books::DocKind;
use flowsense_core::money::Currency;

/// One imported bank transaction, as read from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedTxn {
    /// 1-based line of the record in the file (the line of `<STMTTRN>` for OFX, of the
    /// record's first field for QIF).
    pub line: u64,
    pub date: NaiveDate,
    pub account: String,
    /// Signed minor units of `currency`: positive is money in.
    pub amount_minor: i64,
    pub currency: Currency,
    pub counterparty: String,
    pub category: String,
    pub description: String,
    /// Stable external id for de-duplication: the file's own id (reference column, FITID), or
    /// a hash of the row's values and its occurrence index within the file.
    pub reference: String,
}

/// One invoice or bill, as read from a documents CSV (`DOC_CSV_HEADER`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedDoc {
    pub line: u64,
    pub kind: DocKind,
    pub number: String,
    pub counterparty: String,
    pub issue_date: NaiveDate,
    pub due_date: NaiveDate,
    pub paid_date: Option<NaiveDate>,
    /// Positive minor units of `currency`.
    pub amount_minor: i64,
    pub currency: Currency,
}

/// Default cap on data rows per file.
pub const DEFAULT_MAX_ROWS: u64 = 5_000_000;
/// Default cap on one line (or one quoted record) in bytes.
pub const DEFAULT_MAX_LINE_BYTES: usize = 1 << 20;
/// Default cap on the size of a file read whole (OFX, QIF, books CSV), in bytes.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 4 << 30;

/// How to read a file. `ImportOptions::new(Currency::USD)` gives the defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOptions {
    /// Name used in error messages (usually the file name as the user gave it).
    pub source_name: String,
    /// Account for rows when the file has no account column (OFX files without ACCTID, QIF
    /// files without an `!Account` block).
    pub default_account: String,
    /// Currency for rows without a currency column or value.
    pub base_currency: Currency,
    /// Explicit `--date-format`; otherwise detected (a day/month order must be proven by the file).
    pub date_format: Option<DateFormat>,
    /// The day/month order to read dates in when the whole file cannot tell (the
    /// organisation's convention, [`SlashOrder::usual_for`]); `None` refuses such a file.
    pub usual_date_order: Option<SlashOrder>,
    /// Explicit decimal separator; otherwise read from the values (`,` default for `;` files).
    pub decimal: Option<DecimalSeparator>,
    /// Explicit field delimiter; otherwise detected from the header line.
    pub delimiter: Option<u8>,
    /// Explicit `--map`; columns not mapped are still found by header name.
    pub column_map: ColumnMap,
    pub max_rows: u64,
    pub max_line_bytes: usize,
    pub max_file_bytes: u64,
}

impl ImportOptions {
    #[must_use]
    pub fn new(base_currency: Currency) -> Self {
        Self {
            source_name: "input".to_owned(),
            default_account: "Imported".to_owned(),
            base_currency,
            date_format: None,
            usual_date_order: None,
            decimal: None,
            delimiter: None,
            column_map: ColumnMap::default(),
            max_rows: DEFAULT_MAX_ROWS,
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
        }
    }

    #[must_use]
    pub fn with_source_name(mut self, name: impl Into<String>) -> Self {
        self.source_name = name.into();
        self
    }

    #[must_use]
    pub fn with_default_account(mut self, account: impl Into<String>) -> Self {
        self.default_account = account.into();
        self
    }

    pub(crate) fn error(&self, line: u64, reason: ErrorReason) -> ImportError {
        ImportError::new(&self.source_name, line, reason)
    }
}

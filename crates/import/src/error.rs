//! One error type for every importer: where (file and line) and why.
//!
//! Messages quote at most one short offending field, never a whole row, so an error
//! can be shown to a user or written to a log without leaking the rest of the books.

use std::fmt;

/// Longest excerpt of an offending field quoted in a message, in characters.
const QUOTE_CHARS: usize = 40;

/// Why a file (or one of its rows) was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErrorReason {
    #[error("empty file (no header line)")]
    EmptyFile,
    #[error("not a text CSV file")]
    NotText,
    #[error("UTF-16 text is not supported; save the file as UTF-8 CSV")]
    Utf16,
    #[error("line longer than {0} bytes")]
    LineTooLong(usize),
    #[error("unclosed quote")]
    UnclosedQuote,
    #[error("record longer than {0} bytes (unclosed quote?)")]
    RecordTooLong(usize),
    #[error("more than {0} rows")]
    TooManyRows(u64),
    #[error("header is missing required column(s): {0}")]
    MissingColumns(String),
    /// A statement file whose header (and the lines after it) name no date or amount column.
    #[error(
        "no header line names the {0} column(s): name them with --map (e.g. --map date=Posted,amount=Amt)"
    )]
    UnrecognisedHeader(String),
    #[error("column {0:?} named in --map is not in the header")]
    UnknownMappedColumn(String),
    #[error(
        "column {0:?} of the mapping saved for this account is not in the header: map the columns again, or read the file by its header alone"
    )]
    SavedMappingColumn(String),
    #[error("bad column map: {0}")]
    BadColumnMap(String),
    #[error("more than {0} columns")]
    TooManyColumns(usize),
    #[error(
        "expected {expected} fields as in the header, found {found} (a value holding the delimiter must be in quotes)"
    )]
    ColumnCount { expected: usize, found: usize },
    #[error("bad date {value} (expected {expected})")]
    BadDate { value: Quoted, expected: String },
    #[error("ambiguous date {0}: could be DD/MM/YYYY or MM/DD/YYYY; pass --date-format")]
    AmbiguousDate(Quoted),
    #[error("bad amount {value}{}", hint_suffix(.hint))]
    BadAmount { value: Quoted, hint: String },
    /// Beyond [`crate::MAX_ABS_AMOUNT_MAJOR`]; `limit` names it with its currency.
    #[error("amount {value} is beyond the largest accepted ({limit})")]
    AmountOutOfRange { value: Quoted, limit: String },
    #[error("no amount on this row")]
    NoAmount,
    #[error("the gross, fee and net columns do not add up on this row")]
    FeeMismatch,
    #[error("the amount refunded is more than the payment on this row")]
    RefundExceedsPayment,
    #[error("bad currency {0}")]
    BadCurrency(Quoted),
    #[error(
        "currency {found} differs from the base currency {base} (invoices and bills, and books read with --input, are in the base currency only)"
    )]
    ForeignCurrency { found: String, base: String },
    /// A row in another currency than the existing bank account it names.
    #[error(
        "account {account} is held in {held}, this row is in {found}: import it into an account of {found} (an account column, or --account)"
    )]
    AccountCurrency {
        account: Quoted,
        held: String,
        found: String,
    },
    #[error("bad document kind {0} (expected invoice or bill)")]
    BadDocKind(Quoted),
    #[error("not an OFX file")]
    NotOfx,
    #[error("OFX transaction without {0}")]
    OfxMissing(&'static str),
    #[error("OFX nesting deeper than {0} elements")]
    OfxTooDeep(usize),
    #[error("OFX file with more than {0} tags")]
    OfxTooManyTags(u64),
    #[error("not a QIF file (expected a !Type: header before the first record)")]
    NotQif,
    #[error(
        "QIF section {0} is not a bank, card or cash account: export those accounts (investment accounts are not read)"
    )]
    QifSection(Quoted),
    #[error("QIF record without {0}")]
    QifMissing(&'static str),
    #[error("file too large (more than {0} bytes)")]
    TooLarge(u64),
    #[error("read failed: {0}")]
    Io(String),
}

fn hint_suffix(hint: &str) -> String {
    if hint.is_empty() {
        String::new()
    } else {
        format!(" ({hint})")
    }
}

/// A short, quoted excerpt of an offending field (at most 40 characters, then `…`).
#[derive(Clone, PartialEq, Eq)]
pub struct Quoted(String);

impl Quoted {
    #[must_use]
    pub fn new(field: &str) -> Self {
        let mut chars = field.chars();
        let mut excerpt: String = chars.by_ref().take(QUOTE_CHARS).collect();
        if chars.next().is_some() {
            excerpt.push('…');
        }
        Quoted(excerpt)
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Quoted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl fmt::Display for Quoted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

/// An import failure: the source name, the 1-based line (0 when it concerns the whole
/// file), and the reason. Displays as `books.csv:17: bad date "2024-13-45" (expected YYYY-MM-DD)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    pub source_name: String,
    pub line: u64,
    pub reason: ErrorReason,
}

impl ImportError {
    #[must_use]
    pub fn new(source_name: &str, line: u64, reason: ErrorReason) -> Self {
        Self {
            source_name: source_name.to_owned(),
            line,
            reason,
        }
    }

    /// Shorthand for an error about the whole file (no line).
    #[must_use]
    pub fn file(source_name: &str, reason: ErrorReason) -> Self {
        Self::new(source_name, 0, reason)
    }

    pub(crate) fn io(source_name: &str, err: &std::io::Error) -> Self {
        Self::file(source_name, ErrorReason::Io(err.kind().to_string()))
    }
}

// No `source()`: the reason is already part of the message, and a chain would repeat it.
impl std::error::Error for ImportError {}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.source_name, self.reason)
        } else {
            write!(f, "{}:{}: {}", self.source_name, self.line, self.reason)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_file_line_and_reason() {
        let err = ImportError::new(
            "books.csv",
            17,
            ErrorReason::BadDate {
                value: Quoted::new("2024-13-45"),
                expected: "YYYY-MM-DD".into(),
            },
        );
        assert_eq!(
            err.to_string(),
            r#"books.csv:17: bad date "2024-13-45" (expected YYYY-MM-DD)"#
        );
    }

    #[test]
    fn quotes_are_truncated() {
        let long = "x".repeat(500);
        let q = Quoted::new(&long);
        assert_eq!(q.as_str().chars().count(), 41);
    }
}

//! Invoices and bills in the canonical documents CSV (`<books>.documents.csv`).

use crate::bounds::{MAX_COLUMNS, out_of_range, within_bound};
use crate::csv_import::record_error;
use crate::error::{ErrorReason, ImportError, Quoted};
use crate::limit::LineLimitReader;
use crate::records::{Fields, RecordReader};
use crate::text::{Encoding, decode, trim_field};
use crate::{ImportOptions, ImportedDoc};
use chrono::NaiveDate;
use flowsense_core::books::{Books, DOC_CSV_HEADER, DocKind, Document};
use flowsense_core::money::{Currency, MoneyError, parse_minor};
use std::collections::HashMap;
use std::io::Read;

/// Reads a documents CSV with the canonical header (`DOC_CSV_HEADER`, columns in any order).
///
/// # Errors
/// The first bad row, with its line: missing columns, bad kind, date, amount or currency.
pub fn parse_documents_csv<R: Read>(
    reader: R,
    opts: &ImportOptions,
) -> Result<Vec<ImportedDoc>, ImportError> {
    let limited = std::io::BufReader::new(LineLimitReader::new(reader, opts.max_line_bytes));
    let mut records = RecordReader::new(limited, b',', opts.max_line_bytes);
    let mut record = Fields::default();
    let mut rows = Vec::new();
    let mut columns: Option<[usize; 8]> = None;
    while let Some(line) = records
        .next_record(&mut record)
        .map_err(|e| record_error(opts, e))?
    {
        if record.iter().len() > MAX_COLUMNS {
            return Err(opts.error(line, ErrorReason::TooManyColumns(MAX_COLUMNS)));
        }
        let fields: Vec<String> = record
            .iter()
            .map(|f| decode(f, Encoding::Utf8).map(|s| trim_field(&s).to_owned()))
            .collect::<Option<_>>()
            .ok_or_else(|| opts.error(line, ErrorReason::NotText))?;
        let Some(cols) = columns else {
            columns = Some(resolve_header(&fields).map_err(|r| opts.error(line, r))?);
            continue;
        };
        if rows.len() as u64 >= opts.max_rows {
            return Err(opts.error(line, ErrorReason::TooManyRows(opts.max_rows)));
        }
        let f: [&str; 8] = std::array::from_fn(|i| fields.get(cols[i]).map_or("", String::as_str));
        let width = columns.map_or(0, |c| c.iter().max().map_or(0, |m| m + 1));
        if fields.len() < width {
            return Err(opts.error(
                line,
                ErrorReason::ColumnCount {
                    expected: width,
                    found: fields.len(),
                },
            ));
        }
        let doc = parse_doc(&f, opts.base_currency).map_err(|r| opts.error(line, r))?;
        rows.push(doc.imported(line));
    }
    if columns.is_none() {
        return Err(opts.error(0, ErrorReason::EmptyFile));
    }
    Ok(rows)
}

fn resolve_header<S: AsRef<str>>(fields: &[S]) -> Result<[usize; 8], ErrorReason> {
    let names: Vec<String> = fields
        .iter()
        .map(|f| crate::normalise_header(f.as_ref()).replace(' ', "_"))
        .collect();
    let mut cols = [0usize; 8];
    let mut missing = Vec::new();
    for (i, want) in DOC_CSV_HEADER.iter().enumerate() {
        match names.iter().position(|n| n == want) {
            Some(p) => cols[i] = p,
            None => missing.push(*want),
        }
    }
    if missing.is_empty() {
        Ok(cols)
    } else {
        Err(ErrorReason::MissingColumns(missing.join(", ")))
    }
}

/// One document row, borrowed from its fields.
struct DocRow<'a> {
    kind: DocKind,
    number: &'a str,
    counterparty: &'a str,
    issue_date: NaiveDate,
    due_date: NaiveDate,
    paid_date: Option<NaiveDate>,
    amount_minor: i64,
    currency: Currency,
}

impl DocRow<'_> {
    fn imported(&self, line: u64) -> ImportedDoc {
        ImportedDoc {
            line,
            kind: self.kind,
            number: self.number.to_owned(),
            counterparty: self.counterparty.to_owned(),
            issue_date: self.issue_date,
            due_date: self.due_date,
            paid_date: self.paid_date,
            amount_minor: self.amount_minor,
            currency: self.currency,
        }
    }
}

fn parse_doc<'a>(f: &[&'a str; 8], base: Currency) -> Result<DocRow<'a>, ErrorReason> {
    let kind = if f[0].eq_ignore_ascii_case("invoice") {
        DocKind::Invoice
    } else if f[0].eq_ignore_ascii_case("bill") {
        DocKind::Bill
    } else {
        return Err(ErrorReason::BadDocKind(Quoted::new(f[0])));
    };
    let date = |text: &str| {
        crate::parse_iso_date(text).ok_or_else(|| ErrorReason::BadDate {
            value: Quoted::new(text),
            expected: "YYYY-MM-DD".into(),
        })
    };
    let currency = if f[7].is_empty() {
        base
    } else {
        Currency::parse(f[7]).map_err(|_| ErrorReason::BadCurrency(Quoted::new(f[7])))?
    };
    let amount_minor = match parse_minor(f[6], currency.exponent()) {
        Ok(minor) if minor >= 0 => within_bound(minor, currency, f[6])?,
        Err(MoneyError::Overflow) => return Err(out_of_range(f[6], currency)),
        _ => {
            return Err(ErrorReason::BadAmount {
                value: Quoted::new(f[6]),
                hint: "expected a positive plain decimal".into(),
            });
        }
    };
    let paid_date: Option<NaiveDate> = if f[5].is_empty() {
        None
    } else {
        Some(date(f[5])?)
    };
    Ok(DocRow {
        kind,
        number: f[1],
        counterparty: f[2],
        issue_date: date(f[3])?,
        due_date: date(f[4])?,
        paid_date,
        amount_minor,
        currency,
    })
}

/// Adds documents to books, interning counterparties after those of the transactions.
///
/// # Errors
/// A document in another currency than the books'.
pub fn add_documents(
    books: &mut Books,
    docs: Vec<ImportedDoc>,
    source_name: &str,
) -> Result<(), ImportError> {
    for doc in docs {
        if doc.currency != books.currency {
            return Err(ImportError::new(
                source_name,
                doc.line,
                ErrorReason::ForeignCurrency {
                    found: doc.currency.to_string(),
                    base: books.currency.to_string(),
                },
            ));
        }
        let counterparty = books.counterparties.intern(&doc.counterparty);
        books.documents.push(Document {
            kind: doc.kind,
            number: doc.number,
            counterparty,
            issued: doc.issue_date,
            due: doc.due_date,
            paid: doc.paid_date,
            amount: doc.amount_minor,
        });
    }
    Ok(())
}

/// Documents read from a file, not yet tied to the books' counterparty ids, so they can be
/// read while the transactions are.
pub(crate) enum ParsedDocs {
    /// `Document.counterparty` indexes `names`; `foreign` is the first row in another
    /// currency, reported only once every row has parsed, as the streaming reader does.
    Fast {
        docs: Vec<Document>,
        names: Vec<String>,
        foreign: Option<(u64, Currency)>,
    },
    Streamed(Vec<ImportedDoc>),
}

impl ParsedDocs {
    /// Adds the documents to `books`, interning counterparties after those of the
    /// transactions, as [`add_documents`] does.
    ///
    /// # Errors
    /// A document in another currency than the books'.
    pub(crate) fn add_to(self, books: &mut Books, source_name: &str) -> Result<(), ImportError> {
        let (mut docs, names) = match self {
            Self::Streamed(docs) => return add_documents(books, docs, source_name),
            Self::Fast {
                foreign: Some((line, found)),
                ..
            } => {
                let reason = ErrorReason::ForeignCurrency {
                    found: found.to_string(),
                    base: books.currency.to_string(),
                };
                return Err(ImportError::new(source_name, line, reason));
            }
            Self::Fast { docs, names, .. } => (docs, names),
        };
        let ids: Vec<u32> = names
            .iter()
            .map(|n| books.counterparties.intern(n))
            .collect();
        for doc in &mut docs {
            doc.counterparty = ids[doc.counterparty as usize];
        }
        books.documents.append(&mut docs);
        Ok(())
    }
}

/// [`parse_documents_csv`] on a whole file in memory, with the same results and errors, in
/// one pass without a `String` per field. Quoted fields, NUL bytes, invalid UTF-8 and
/// overlong lines take the streaming reader.
///
/// # Errors
/// As [`parse_documents_csv`].
pub(crate) fn parse_documents_bytes(
    bytes: &[u8],
    opts: &ImportOptions,
) -> Result<ParsedDocs, ImportError> {
    let text = match std::str::from_utf8(bytes) {
        Ok(text)
            if memchr::memchr2(b'"', 0, bytes).is_none()
                && crate::limit::lines_within(bytes, &mut 0, opts.max_line_bytes) =>
        {
            text
        }
        _ => return parse_documents_csv(bytes, opts).map(ParsedDocs::Streamed),
    };
    let mut columns: Option<([usize; 8], usize)> = None;
    let mut fields: Vec<&str> = Vec::with_capacity(8);
    let mut rows = 0u64;
    let mut foreign: Option<(u64, Currency)> = None;
    let mut index: HashMap<&str, u32, foldhash::fast::FixedState> = HashMap::default();
    let mut names = Vec::new();
    let mut docs = Vec::with_capacity(bytes.len() / 64);
    let (mut rest, mut line) = (text, 0u64);
    while !rest.is_empty() {
        line += 1;
        let raw = match memchr::memchr(b'\n', rest.as_bytes()) {
            Some(end) => {
                let raw = &rest[..end];
                rest = &rest[end + 1..];
                raw.strip_suffix('\r').unwrap_or(raw)
            }
            None => std::mem::take(&mut rest),
        };
        if raw.is_empty() {
            continue;
        }
        fields.clear();
        fields.extend(raw.split(',').map(trim_field));
        if fields.len() > MAX_COLUMNS {
            return Err(opts.error(line, ErrorReason::TooManyColumns(MAX_COLUMNS)));
        }
        let Some((cols, width)) = columns else {
            let cols = resolve_header(&fields).map_err(|r| opts.error(line, r))?;
            columns = Some((cols, cols.iter().max().map_or(0, |m| m + 1)));
            continue;
        };
        if rows >= opts.max_rows {
            return Err(opts.error(line, ErrorReason::TooManyRows(opts.max_rows)));
        }
        if fields.len() < width {
            let found = fields.len();
            let reason = ErrorReason::ColumnCount {
                expected: width,
                found,
            };
            return Err(opts.error(line, reason));
        }
        let f: [&str; 8] = std::array::from_fn(|i| fields[cols[i]]);
        let doc = parse_doc(&f, opts.base_currency).map_err(|r| opts.error(line, r))?;
        rows += 1;
        // A foreign document fails the file, but only once every row has parsed.
        if foreign.is_some() || doc.currency != opts.base_currency {
            foreign = foreign.or(Some((line, doc.currency)));
            continue;
        }
        let counterparty = *index.entry(doc.counterparty).or_insert_with(|| {
            names.push(doc.counterparty.to_owned());
            u32::try_from(names.len() - 1).unwrap_or(u32::MAX)
        });
        docs.push(Document {
            kind: doc.kind,
            number: doc.number.to_owned(),
            counterparty,
            issued: doc.issue_date,
            due: doc.due_date,
            paid: doc.paid_date,
            amount: doc.amount_minor,
        });
    }
    if columns.is_none() {
        return Err(opts.error(0, ErrorReason::EmptyFile));
    }
    Ok(ParsedDocs::Fast {
        docs,
        names,
        foreign,
    })
}

//! Invoices and bills in the canonical documents CSV (`<books>.documents.csv`).

use crate::csv_import::record_error;
use crate::error::{ErrorReason, ImportError, Quoted};
use crate::limit::LineLimitReader;
use crate::records::{Fields, RecordReader};
use crate::text::{Encoding, decode, trim_field};
use crate::{ImportOptions, ImportedDoc};
use chrono::NaiveDate;
use flowsense_core::books::{Books, DOC_CSV_HEADER, DocKind, Document};
use flowsense_core::money::Currency;
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
        rows.push(parse_doc(line, &f, opts.base_currency).map_err(|r| opts.error(line, r))?);
    }
    if columns.is_none() {
        return Err(opts.error(0, ErrorReason::EmptyFile));
    }
    Ok(rows)
}

fn resolve_header(fields: &[String]) -> Result<[usize; 8], ErrorReason> {
    let names: Vec<String> = fields
        .iter()
        .map(|f| crate::normalise_header(f).replace(' ', "_"))
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

fn parse_doc(line: u64, f: &[&str; 8], base: Currency) -> Result<ImportedDoc, ErrorReason> {
    let kind = match f[0].to_ascii_lowercase().as_str() {
        "invoice" => DocKind::Invoice,
        "bill" => DocKind::Bill,
        _ => return Err(ErrorReason::BadDocKind(Quoted::new(f[0]))),
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
    let amount_minor = flowsense_core::money::parse_minor(f[6], currency.exponent())
        .ok()
        .filter(|a| *a >= 0)
        .ok_or_else(|| ErrorReason::BadAmount {
            value: Quoted::new(f[6]),
            hint: "expected a positive plain decimal".into(),
        })?;
    let paid_date: Option<NaiveDate> = if f[5].is_empty() {
        None
    } else {
        Some(date(f[5])?)
    };
    Ok(ImportedDoc {
        line,
        kind,
        number: f[1].to_owned(),
        counterparty: f[2].to_owned(),
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

//! The books CSV for `flowsense report --input`: straight into [`Books`], no database.

use crate::csv_import::CsvImporter;
use crate::documents::{ParsedDocs, parse_documents_bytes, parse_documents_csv};
use crate::error::{ErrorReason, ImportError};
use crate::fast::merge;
use crate::fast_file::read_file_chunks;
use crate::limit::read_whole;
use crate::{ImportOptions, ImportedTxn};
use flowsense_core::books::{Books, TRANSFER_CATEGORY};
use flowsense_core::money::Currency;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

/// Reads a books CSV (and `<stem>.documents.csv` beside it, if present) into [`Books`].
///
/// The canonical layout (`TXN_CSV_HEADER`) takes a parallel fast path; any other layout is
/// read by [`CsvImporter`]. Both give the same books: `Txn.id` is the line number, a row is a
/// transfer when its category is `Transfer`, and every amount must be in `base_currency`.
///
/// # Errors
/// The first bad row (file and line), or an unreadable file.
pub fn read_books_csv(path: &Path, base_currency: Currency) -> Result<Books, ImportError> {
    let opts = ImportOptions::new(base_currency).with_source_name(path.display().to_string());
    let docs_path = documents_path(path);
    let docs_opts = opts
        .clone()
        .with_source_name(docs_path.display().to_string());
    // The documents are parsed while the transactions are; their counterparties are
    // interned after the transactions' ones, and their errors count only if the
    // transactions have none.
    let (books, docs) = rayon::join(
        || read_transactions(path, &opts),
        || read_documents(&docs_path, &docs_opts),
    );
    let mut books = books?;
    if let Some(docs) = docs? {
        docs.add_to(&mut books, &docs_opts.source_name)?;
    }
    Ok(books)
}

fn read_transactions(path: &Path, opts: &ImportOptions) -> Result<Books, ImportError> {
    let file = File::open(path).map_err(|e| ImportError::io(&opts.source_name, &e))?;
    let len = file.metadata().map_or(0, |m| m.len());
    if len > opts.max_file_bytes {
        return Err(opts.error(0, ErrorReason::TooLarge(opts.max_file_bytes)));
    }
    match read_file_chunks(&file, len, opts, Vec::with_capacity) {
        Ok(Some(chunks)) => merge(chunks?, opts),
        Ok(None) => {
            // Not for the fast path, or an overlong line: stream it, so the error is the
            // first one in line order, exactly as the streaming reader reports it.
            let file = File::open(path).map_err(|e| ImportError::io(&opts.source_name, &e))?;
            books_from_reader(BufReader::new(file), opts)
        }
        Err(e) => Err(ImportError::io(&opts.source_name, &e)),
    }
}

/// Reads the documents CSV whole and parses it in one pass; a file too big to hold or with
/// an overlong line is streamed instead. `None` when there is no documents file.
fn read_documents(path: &Path, opts: &ImportOptions) -> Result<Option<ParsedDocs>, ImportError> {
    if !path.is_file() {
        return Ok(None);
    }
    let io_error = |e: std::io::Error| ImportError::io(&opts.source_name, &e);
    let file = File::open(path).map_err(io_error)?;
    let len = file.metadata().map_or(0, |m| m.len());
    if len <= opts.max_file_bytes
        && let Some(bytes) =
            read_whole(&file, len, opts.max_file_bytes, opts.max_line_bytes).map_err(io_error)?
        && bytes.len() as u64 <= opts.max_file_bytes
    {
        return parse_documents_bytes(&bytes, opts).map(Some);
    }
    let file = File::open(path).map_err(io_error)?;
    parse_documents_csv(BufReader::new(file), opts).map(|docs| Some(ParsedDocs::Streamed(docs)))
}

/// `books.csv` → `books.documents.csv`.
fn documents_path(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    path.with_file_name(format!("{stem}.documents.csv"))
}

/// The streaming (slow) path: any CSV layout [`CsvImporter`] reads, into [`Books`].
///
/// # Errors
/// The first bad row, or a row in another currency than `opts.base_currency`.
pub fn books_from_reader<R: Read>(reader: R, opts: &ImportOptions) -> Result<Books, ImportError> {
    let mut books = Books::new(opts.base_currency);
    for txn in CsvImporter::new(reader, opts.clone())? {
        push_imported(&mut books, &txn?, opts)?;
    }
    Ok(books)
}

fn push_imported(
    books: &mut Books,
    txn: &ImportedTxn,
    opts: &ImportOptions,
) -> Result<(), ImportError> {
    if txn.currency != books.currency {
        return Err(opts.error(
            txn.line,
            ErrorReason::ForeignCurrency {
                found: txn.currency.to_string(),
                base: books.currency.to_string(),
            },
        ));
    }
    books.push_txn(
        i64::try_from(txn.line).unwrap_or(i64::MAX),
        txn.date,
        txn.amount_minor,
        &txn.account,
        &txn.category,
        &txn.counterparty,
        txn.category == TRANSFER_CATEGORY,
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_sit_beside_the_books() {
        assert_eq!(
            documents_path(Path::new("/d/books.csv")),
            PathBuf::from("/d/books.documents.csv")
        );
        assert_eq!(
            documents_path(Path::new("books")),
            PathBuf::from("books.documents.csv")
        );
    }
}

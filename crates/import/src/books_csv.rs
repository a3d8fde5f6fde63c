//! The books CSV for `flowsense report --input`: straight into [`Books`], no database.

use crate::csv_import::CsvImporter;
use crate::documents::{add_documents, parse_documents_csv};
use crate::error::{ErrorReason, ImportError};
use crate::fast::parse_books_owned;
use crate::limit::{LineLimitReader, limit_exceeded};
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
    let file = File::open(path).map_err(|e| ImportError::io(&opts.source_name, &e))?;
    let len = file.metadata().map_or(0, |m| m.len());
    if len > opts.max_file_bytes {
        return Err(opts.error(0, ErrorReason::TooLarge(opts.max_file_bytes)));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0).saturating_add(1));
    let mut limited = LineLimitReader::new(file.take(opts.max_file_bytes + 1), opts.max_line_bytes);
    let mut books = match limited.read_to_end(&mut bytes) {
        Ok(_) if bytes.len() as u64 > opts.max_file_bytes => {
            return Err(opts.error(0, ErrorReason::TooLarge(opts.max_file_bytes)));
        }
        Ok(_) => parse_books_owned(bytes, &opts)?,
        Err(e) if limit_exceeded(&e).is_some() => {
            // Stream it instead, so the error is the first one in line order, exactly as
            // the streaming reader reports it.
            drop(bytes);
            let file = File::open(path).map_err(|e| ImportError::io(&opts.source_name, &e))?;
            books_from_reader(BufReader::new(file), &opts)?
        }
        Err(e) => return Err(ImportError::io(&opts.source_name, &e)),
    };
    let docs_path = documents_path(path);
    if docs_path.is_file() {
        let docs_opts = opts.with_source_name(docs_path.display().to_string());
        let file =
            File::open(&docs_path).map_err(|e| ImportError::io(&docs_opts.source_name, &e))?;
        let docs = parse_documents_csv(BufReader::new(file), &docs_opts)?;
        add_documents(&mut books, docs, &docs_opts.source_name)?;
    }
    Ok(books)
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

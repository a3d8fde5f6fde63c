//! A dry run of an import (`flowsense import --dry-run`): the file read through exactly as an
//! import reads it, with the same refusals, and nothing written.

use super::documents::{looks_like_documents_csv, read_documents, to_new_documents};
use super::{
    AccountCurrencies, ImportFailure, io_error, renamed, statement_options, to_new_transaction,
};
use flowsense_core::Currency;
use flowsense_import::{ImportError, ImportNotes, ImportOptions};
use flowsense_storage::{Organisation, Store};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Money in and out of one currency over the rows a file would import.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CurrencyTotal {
    pub rows: u64,
    /// Minor units; wide enough that no file can overflow it.
    pub money_in: i128,
    pub money_out: i128,
}

/// What a statement file would import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportPreview {
    /// The layout, which column is what, and every decision taken in reading the file.
    pub notes: ImportNotes,
    /// Transactions the file holds (fee rows split off gross amounts included), or the
    /// invoices and bills of a documents CSV.
    pub rows: u64,
    pub totals: BTreeMap<Currency, CurrencyTotal>,
}

/// Reads a statement file through as [`super::import_file`] would for `org`, refusing it at
/// its first bad row, and writes nothing.
///
/// # Errors
/// [`ImportFailure::Refused`] with the first bad row; a storage failure reading the accounts.
pub async fn preview_file(
    store: &Store,
    org: &Organisation,
    path: &Path,
    options: &ImportOptions,
) -> Result<ImportPreview, ImportFailure> {
    let options = statement_options(options, org);
    let mut accounts = AccountCurrencies::of(store, org).await?;
    let path: PathBuf = path.to_path_buf();
    tokio::task::spawn_blocking(move || preview_blocking(&path, &options, &mut accounts))
        .await
        .map_err(|e| ImportFailure::Interrupted(e.to_string()))?
}

fn preview_blocking(
    path: &Path,
    options: &ImportOptions,
    accounts: &mut AccountCurrencies,
) -> Result<ImportPreview, ImportFailure> {
    let source = options.source_name.clone();
    let refused = |e: ImportError| ImportFailure::Refused(renamed(e, &source));
    let mut preview = ImportPreview {
        notes: ImportNotes::default(),
        rows: 0,
        totals: BTreeMap::new(),
    };
    if looks_like_documents_csv(path).map_err(|e| refused(io_error(&source, &e)))? {
        let docs = read_documents(path, options).map_err(refused)?;
        to_new_documents(&docs, options.base_currency, &source)?;
        preview.notes.layout = "invoices and bills CSV".into();
        preview.rows = u64::try_from(docs.len()).unwrap_or(u64::MAX);
        return Ok(preview);
    }
    let mut rows = flowsense_import::open_path(path, options).map_err(refused)?;
    for row in rows.by_ref() {
        let row = row.map_err(refused)?;
        let currency = row.currency;
        let amount = i128::from(row.amount_minor);
        to_new_transaction(row, accounts, &source).map_err(ImportFailure::Refused)?;
        preview.rows += 1;
        let total = preview.totals.entry(currency).or_default();
        total.rows += 1;
        if amount >= 0 {
            total.money_in += amount;
        } else {
            total.money_out += amount;
        }
    }
    preview.notes = rows.notes();
    Ok(preview)
}

/// `-1234.56` for `-123456` minor units of a two-decimal currency, at any width.
#[must_use]
pub fn format_wide_minor(minor: i128, currency: Currency) -> String {
    let exponent = currency.exponent();
    let scale = 10i128.pow(exponent);
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let whole = abs / scale.unsigned_abs();
    if exponent == 0 {
        return format!("{sign}{whole}");
    }
    let frac = abs % scale.unsigned_abs();
    format!("{sign}{whole}.{frac:0width$}", width = exponent as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_amounts_format_exactly() {
        assert_eq!(format_wide_minor(-123_456, Currency::USD), "-1234.56");
        assert_eq!(format_wide_minor(5, Currency::EUR), "0.05");
        assert_eq!(format_wide_minor(0, Currency::USD), "0.00");
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(format_wide_minor(-1200, jpy), "-1200");
        assert_eq!(
            format_wide_minor(i128::from(i64::MAX) * 10, Currency::USD),
            "922337203685477580.70"
        );
    }
}

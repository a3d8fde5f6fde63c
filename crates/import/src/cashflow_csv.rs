//! `flowsense report cashflow --input`: the cash-flow report summed while the books CSV is
//! read, without holding its transactions or reading the documents beside it (the report
//! uses neither).

use crate::ImportOptions;
use crate::books_csv::read_books_csv;
use crate::error::{ErrorReason, ImportError};
use crate::fast::merge_names;
use crate::fast_chunk::Chunk;
use crate::fast_file::read_file_chunks;
use flowsense_core::analytics::{
    CashflowParts, Report, ReportKind, ReportOptions, cashflow_parts, cashflow_report, run_report,
};
use flowsense_core::books::Books;
use flowsense_core::money::Currency;
use std::fs::File;
use std::path::Path;

/// The cash-flow report of a books CSV, as `run_report` gives it over [`read_books_csv`].
///
/// The canonical layout is summed block by block as it is read; any other file (and one
/// without transactions, whose documents then set the report's date) is read in full.
///
/// # Errors
/// The first bad row (file and line), or an unreadable file.
pub fn cashflow_report_csv(
    path: &Path,
    base_currency: Currency,
    options: &ReportOptions,
) -> Result<Report, ImportError> {
    let opts = ImportOptions::new(base_currency).with_source_name(path.display().to_string());
    let file = File::open(path).map_err(|e| ImportError::io(&opts.source_name, &e))?;
    let len = file.metadata().map_or(0, |m| m.len());
    if len > opts.max_file_bytes {
        return Err(opts.error(0, ErrorReason::TooLarge(opts.max_file_bytes)));
    }
    let chunks = read_file_chunks(&file, len, &opts, |_| cashflow_parts(options))
        .map_err(|e| ImportError::io(&opts.source_name, &e))?;
    if let Some(chunks) = chunks
        && let (names, Some(parts)) = summed(chunks?, &opts)?
        && parts.last_date().is_some()
    {
        return Ok(cashflow_report(&parts, &names, options));
    }
    let books = read_books_csv(path, base_currency)?;
    Ok(run_report(&books, ReportKind::Cashflow, options))
}

/// The chunks' parts on the file's name ids, merged (`None` without chunks); `Books` holds
/// the names only.
fn summed(
    mut chunks: Vec<Chunk<CashflowParts>>,
    opts: &ImportOptions,
) -> Result<(Books, Option<CashflowParts>), ImportError> {
    let mut names = Books::new(opts.base_currency);
    let plans = merge_names(&mut chunks, &mut names)?;
    let parts = chunks
        .into_iter()
        .zip(&plans)
        .map(|(chunk, plan)| {
            chunk
                .txns
                .remap_ids(&plan.accounts, &plan.categories, &plan.counterparties)
        })
        .reduce(CashflowParts::merge);
    Ok((names, parts))
}

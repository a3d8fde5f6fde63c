//! Invoices and bills (the documents CSV layout): read whole, checked against the base
//! currency, and added to the import's transaction in batches.

use super::{BATCH_ROWS, ImportFailure, io_error};
use flowsense_core::Currency;
use flowsense_import::{ErrorReason, ImportError, ImportOptions, ImportedDoc};
use flowsense_storage::{ImportTx, NewDocument};
use std::io::Read;
use std::path::Path;

pub(super) fn read_documents(
    path: &Path,
    options: &ImportOptions,
) -> Result<Vec<ImportedDoc>, ImportError> {
    let file = std::fs::File::open(path).map_err(|e| io_error(&options.source_name, &e))?;
    flowsense_import::parse_documents_csv(file, options)
}

pub(super) fn to_new_documents(
    docs: &[ImportedDoc],
    base: Currency,
    source: &str,
) -> Result<Vec<NewDocument>, ImportFailure> {
    let mut rows = Vec::with_capacity(docs.len());
    for d in docs {
        if d.currency != base {
            return Err(ImportFailure::Refused(ImportError::new(
                source,
                d.line,
                ErrorReason::ForeignCurrency {
                    found: d.currency.as_str().into(),
                    base: base.as_str().into(),
                },
            )));
        }
        rows.push(NewDocument {
            kind: d.kind,
            number: d.number.clone(),
            counterparty: d.counterparty.clone(),
            issue_date: d.issue_date,
            due_date: d.due_date,
            paid_date: d.paid_date,
            amount_minor: d.amount_minor,
            currency: base.as_str().into(),
            external_id: format!("{}:{}", d.kind.as_str(), d.number),
        });
    }
    Ok(rows)
}

pub(super) async fn add_documents(
    import: &mut ImportTx,
    docs: &[NewDocument],
) -> Result<(), ImportFailure> {
    for chunk in docs.chunks(BATCH_ROWS) {
        import.add_documents(chunk).await?;
    }
    Ok(())
}

/// Whether the file's header is the invoices-and-bills layout.
pub(super) fn looks_like_documents_csv(path: &Path) -> std::io::Result<bool> {
    let mut head = vec![0u8; 512];
    let n = std::fs::File::open(path)?.read(&mut head)?;
    let first_line = head[..n].split(|&b| b == b'\n').next().unwrap_or_default();
    let header: Vec<String> = String::from_utf8_lossy(first_line)
        .trim_start_matches('\u{feff}')
        .split(',')
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    Ok(flowsense_core::books::DOC_CSV_HEADER
        .iter()
        .all(|c| header.iter().any(|h| h == c)))
}

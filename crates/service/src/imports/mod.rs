//! Importing one file into one organisation, all or nothing — the one way both `flowsense
//! import` and uploads (`POST /api/v1/orgs/{org}/imports`, the import page) do it.
//!
//! An upload is read through and checked on a blocking thread before its write transaction
//! begins, so its first bad row stops it before anything is written
//! ([`FileImport::check_first`]). Then one transaction takes the rows in batches from a parser
//! running ahead of it on a blocking thread (CSV is streamed, so memory stays bounded), and the
//! single writer is held for the insert. A refusal or a kill at any point leaves the database
//! exactly as before. Rows the organisation already has (same stable reference) are skipped,
//! so a re-import adds nothing.

use flowsense_core::Currency;
use flowsense_import::{
    ErrorReason, ImportError, ImportNotes, ImportOptions, ImportedTxn, Importer, SlashOrder,
};
use flowsense_storage::{
    ImportMeta, ImportSummary, ImportTx, NewDocument, NewTransaction, Organisation, StorageError,
    Store, UserId,
};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

mod documents;
pub(crate) mod mapping;
mod preview;
mod sample;

use documents::{add_documents, looks_like_documents_csv, read_documents, to_new_documents};
pub use mapping::{SavedMapping, mapping_spec};
use mapping::{apply_saved_mapping, is_csv, reworded_for_saved, save_given_mapping};
pub use preview::{CurrencyTotal, ImportPreview, format_wide_minor, preview_file};
pub use sample::{SampleError, sample_books_config, sample_books_csv, todays_sample_books};

/// Rows per batch handed to storage (one multi-row statement group or one `COPY`).
const BATCH_ROWS: usize = 20_000;

/// A file on disk to import (uploads are spooled to a temporary file first).
pub struct FileImport<'a> {
    pub path: &'a Path,
    /// What errors call the file (`books.csv:17: …`).
    pub source_name: String,
    /// The name kept in the import history.
    pub file_name: String,
    /// Lower-case hex SHA-256 of the file ([`file_sha256`]).
    pub sha256: String,
    /// Column map, date format and default account; rows that name no currency are in the
    /// organisation's base currency.
    pub options: ImportOptions,
    /// Whether a CSV statement is read with (or saves) the mapping of its account
    /// (`options.default_account`).
    pub saved_mapping: SavedMapping,
    /// Invoices and bills that go with a statement file, imported in the same transaction.
    pub documents: Option<PathBuf>,
    pub created_by: Option<UserId>,
    /// Read a CSV file through before the write transaction begins (uploads: a tenant's bad or
    /// hostile file then never holds the database's writer). Otherwise (the operator's own file,
    /// `flowsense import`) it is parsed once, on a blocking thread running ahead of the writes,
    /// which holds the writer as long as the insert takes and no longer, and is a third faster.
    /// OFX and QIF files are parsed whole before the transaction either way.
    pub check_first: bool,
    /// Queue fresh insight narratives with the import: only where the instance has an AI
    /// provider, so an instance without one keeps no job that would do nothing.
    pub narrate: bool,
}

/// Told how far the import has got (the command line draws a progress bar).
pub trait ImportProgress: Sync {
    /// The file is being checked before anything is written: `bytes` read, `rows` checked.
    fn checking(&self, _bytes: u64, _rows: u64) {}
    /// `bytes` of the statement read so far (0 for OFX and QIF, read whole), `rows` handed to
    /// storage.
    fn read(&self, _bytes: u64, _rows: u64) {}
    /// Every row is written; the transaction is committing.
    fn committing(&self) {}
}

/// No progress reporting.
pub struct Quiet;
impl ImportProgress for Quiet {}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileImported {
    pub summary: ImportSummary,
    /// `statement` (CSV, OFX/QFX or QIF) or `documents-csv` (invoices and bills).
    pub format: &'static str,
    /// What the file was read as (its layout, which column is what), and every decision
    /// taken in reading it.
    pub notes: ImportNotes,
    /// The account whose saved mapping the file was read with.
    pub mapping_used_of: Option<String>,
    /// The account the given mapping was saved for.
    pub mapping_saved_for: Option<String>,
}

/// Why an import kept nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportFailure {
    /// The file was refused at its first bad row (line 0: the file as a whole).
    #[error("{0}")]
    Refused(ImportError),
    #[error("the import could not be written: {0}")]
    Storage(#[from] StorageError),
    #[error("the import stopped unexpectedly: {0}")]
    Interrupted(String),
}

/// A file read through and found good, before any write: what is left to write.
enum Checked {
    /// An invoices-and-bills file, parsed whole (such files are small).
    Documents(Vec<NewDocument>),
    Statement {
        /// OFX and QIF, parsed whole anyway; CSV is read again while it is written (`None`), so memory
        /// stays bounded however long the file.
        parsed: Option<Vec<NewTransaction>>,
        /// The notes of the check pass (the write pass's are the same for CSV).
        notes: ImportNotes,
        /// The invoices and bills that come with it.
        documents: Vec<NewDocument>,
    },
}

/// Imports `file` into `org` in one transaction.
///
/// The whole file is parsed and checked on a blocking thread first, so a bad row, a deeply
/// nested OFX or a slow parse never holds the database's writer: the write transaction begins
/// only once the file is known good, and lasts as long as the insert itself.
///
/// # Errors
/// [`ImportFailure::Refused`] with the first bad row; storage failures. Nothing is kept either way.
pub async fn import_file(
    store: &Store,
    org: &Organisation,
    file: FileImport<'_>,
    progress: &dyn ImportProgress,
) -> Result<FileImported, ImportFailure> {
    let currency = org.settings.base_currency;
    let narrate = file.narrate;
    let mut options = statement_options(&file.options, org);
    options.source_name.clone_from(&file.source_name);
    let csv = is_csv(file.path, &file.source_name)?;
    let preset = match file.saved_mapping {
        SavedMapping::Use if csv => apply_saved_mapping(store, org.id, &mut options).await?,
        _ => None,
    };
    let accounts = AccountCurrencies::of(store, org).await?;
    let checked = match check_file(&file, &options, &accounts, progress).await {
        Err(ImportFailure::Refused(e)) if preset.is_some() => {
            return Err(ImportFailure::Refused(reworded_for_saved(e)));
        }
        other => other?,
    };
    let format = match checked {
        Checked::Documents(_) => "documents-csv",
        Checked::Statement { .. } => "statement",
    };
    let meta = ImportMeta {
        file_name: file.file_name.clone(),
        format: format.into(),
        sha256: file.sha256.clone(),
        source: "file".into(),
        created_by: file.created_by,
        currency,
    };
    let mut import = store.begin_import(org.id, &meta).await?;
    let mut mapping_saved_for = None;
    let notes = match checked {
        Checked::Documents(docs) => {
            add_documents(&mut import, &docs).await?;
            ImportNotes {
                layout: "invoices and bills CSV".into(),
                ..ImportNotes::default()
            }
        }
        Checked::Statement {
            parsed,
            notes,
            documents,
        } => {
            let notes = match parsed {
                Some(rows) => {
                    for batch in rows.chunks(BATCH_ROWS) {
                        import.add_transactions(batch).await?;
                        progress.read(0, import.rows_read());
                    }
                    notes
                }
                None => add_statement(&mut import, file.path, &options, accounts, progress).await?,
            };
            add_documents(&mut import, &documents).await?;
            if csv
                && file.saved_mapping == SavedMapping::SaveGiven
                && save_given_mapping(&mut import, &options, file.created_by).await?
            {
                mapping_saved_for = Some(options.default_account.clone());
            }
            notes
        }
    };
    // The new books' narratives are queued with the import: they exist if it commits.
    if narrate {
        let now = chrono::Utc::now();
        import
            .enqueue_job(&crate::ai::narrate::narrate_job(org.id, now), now)
            .await?;
    }
    progress.committing();
    let summary = import.commit().await?;
    Ok(FileImported {
        summary,
        format,
        notes,
        mapping_used_of: preset
            .filter(|_| format == "statement")
            .map(|p| p.account_name),
        mapping_saved_for,
    })
}

/// The caller's options as the organisation reads them: rows naming no currency are in its
/// base currency, and dates no row can settle are read in its usual day/month order.
fn statement_options(options: &ImportOptions, org: &Organisation) -> ImportOptions {
    let mut options = options.clone();
    options.base_currency = org.settings.base_currency;
    options.usual_date_order = Some(SlashOrder::usual_for(org.settings.base_currency));
    options
}

/// Reads the whole file (and its documents sibling) on a blocking thread, refusing it at its
/// first bad row.
async fn check_file(
    file: &FileImport<'_>,
    options: &ImportOptions,
    accounts: &AccountCurrencies,
    progress: &dyn ImportProgress,
) -> Result<Checked, ImportFailure> {
    let mut accounts = accounts.clone();
    let path = file.path.to_path_buf();
    let sibling = file.documents.clone();
    let options = options.clone();
    let check_first = file.check_first;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(u64, u64)>(1);
    let checker = tokio::task::spawn_blocking(move || {
        check_file_blocking(
            &path,
            sibling.as_deref(),
            &options,
            &mut accounts,
            check_first,
            |bytes, rows| {
                let _ = tx.try_send((bytes, rows)); // progress only: a full channel skips one
            },
        )
    });
    while let Some((bytes, rows)) = rx.recv().await {
        progress.checking(bytes, rows);
    }
    checker
        .await
        .map_err(|e| ImportFailure::Interrupted(e.to_string()))?
}

fn check_file_blocking(
    path: &Path,
    sibling: Option<&Path>,
    options: &ImportOptions,
    accounts: &mut AccountCurrencies,
    check_first: bool,
    report: impl Fn(u64, u64),
) -> Result<Checked, ImportFailure> {
    let source = options.source_name.clone();
    let refused = |e: ImportError| ImportFailure::Refused(renamed(e, &source));
    let currency = options.base_currency;
    if looks_like_documents_csv(path).map_err(|e| refused(io_error(&source, &e)))? {
        let docs = read_documents(path, options).map_err(refused)?;
        return Ok(Checked::Documents(to_new_documents(
            &docs, currency, &source,
        )?));
    }
    let mut rows = flowsense_import::open_path(path, options).map_err(refused)?;
    let parsed = match &mut rows {
        Importer::Parsed(..) => Some(
            rows.by_ref()
                .map(|r| {
                    r.map_err(|e| renamed(e, &source))
                        .and_then(|r| to_new_transaction(r, accounts, &source))
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(ImportFailure::Refused)?,
        ),
        Importer::Csv(_) if !check_first => None,
        Importer::Csv(_) => {
            let mut checked = 0u64;
            while let Some(row) = rows.next() {
                let row = row.map_err(&refused)?;
                to_new_transaction(row, accounts, &source).map_err(ImportFailure::Refused)?;
                checked += 1;
                if checked.is_multiple_of(BATCH_ROWS as u64)
                    && let Importer::Csv(csv) = &rows
                {
                    report(csv.bytes_read(), checked);
                }
            }
            None
        }
    };
    let notes = rows.notes();
    let documents = match sibling {
        Some(sibling) => {
            let name = sibling.display().to_string();
            let docs = read_documents(sibling, &options.clone().with_source_name(name.clone()))
                .map_err(|e| ImportFailure::Refused(renamed(e, &name)))?;
            to_new_documents(&docs, currency, &name)?
        }
        None => Vec::new(),
    };
    Ok(Checked::Statement {
        parsed,
        notes,
        documents,
    })
}

/// The error as the user named the file (readers name it by its path on disk).
fn renamed(mut e: ImportError, source_name: &str) -> ImportError {
    source_name.clone_into(&mut e.source_name);
    e
}

fn io_error(source_name: &str, e: &std::io::Error) -> ImportError {
    ImportError::file(source_name, ErrorReason::Io(e.kind().to_string()))
}

async fn add_statement(
    import: &mut ImportTx,
    file: &Path,
    options: &ImportOptions,
    mut accounts: AccountCurrencies,
    progress: &dyn ImportProgress,
) -> Result<ImportNotes, ImportFailure> {
    let source = options.source_name.clone();
    let mut rows = flowsense_import::open_path(file, options)
        .map_err(|e| ImportFailure::Refused(renamed(e, &source)))?;
    // Parse on a blocking thread while the database writes the previous batch: two cores, two
    // stages. The channel holds one batch ahead, so memory stays bounded.
    let (tx, mut rx) =
        tokio::sync::mpsc::channel::<Result<(Vec<NewTransaction>, u64), ImportError>>(1);
    let parser = tokio::task::spawn_blocking(move || {
        loop {
            let mut batch = Vec::with_capacity(BATCH_ROWS);
            for row in rows.by_ref().take(BATCH_ROWS) {
                let parsed = row
                    .map_err(|e| renamed(e, &source))
                    .and_then(|r| to_new_transaction(r, &mut accounts, &source));
                match parsed {
                    Ok(t) => batch.push(t),
                    Err(e) => {
                        let _ = tx.blocking_send(Err(e));
                        return rows.notes();
                    }
                }
            }
            if batch.is_empty() {
                return rows.notes();
            }
            let position = match &rows {
                Importer::Csv(csv) => csv.bytes_read(),
                Importer::Parsed(..) => 0,
            };
            if tx.blocking_send(Ok((batch, position))).is_err() {
                return rows.notes(); // the writer gave up
            }
        }
    });
    while let Some(message) = rx.recv().await {
        let (batch, position) = message.map_err(ImportFailure::Refused)?;
        import.add_transactions(&batch).await?;
        progress.read(position, import.rows_read());
    }
    parser
        .await
        .map_err(|e| ImportFailure::Interrupted(e.to_string()))
}

/// The currency each existing bank account is held in, by name: a row must match its account's
/// (a new account takes its first row's currency).
#[derive(Debug, Clone, Default)]
pub(crate) struct AccountCurrencies(HashMap<String, Currency>);

impl AccountCurrencies {
    async fn of(store: &Store, org: &Organisation) -> Result<Self, StorageError> {
        let accounts = store.bank_accounts(org.id).await?;
        Ok(Self(
            accounts
                .into_iter()
                .filter_map(|a| Some((a.name, Currency::parse(&a.currency).ok()?)))
                .collect(),
        ))
    }

    /// Notes the account a row names, refusing a row whose currency is not its account's.
    fn check(&mut self, r: &ImportedTxn, source: &str) -> Result<(), ImportError> {
        match self.0.get(&r.account) {
            Some(&held) if held != r.currency => Err(ImportError::new(
                source,
                r.line,
                ErrorReason::AccountCurrency {
                    account: flowsense_import::Quoted::new(&r.account),
                    held: held.as_str().into(),
                    found: r.currency.as_str().into(),
                },
            )),
            Some(_) => Ok(()),
            None => {
                self.0.insert(r.account.clone(), r.currency);
                Ok(())
            }
        }
    }
}

/// A parsed row as storage takes it: amount and currency as the file gives them, in the bank
/// account's currency (checked by [`AccountCurrencies`]).
fn to_new_transaction(
    r: ImportedTxn,
    accounts: &mut AccountCurrencies,
    source: &str,
) -> Result<NewTransaction, ImportError> {
    accounts.check(&r, source)?;
    Ok(NewTransaction {
        is_transfer: r
            .category
            .eq_ignore_ascii_case(flowsense_core::books::TRANSFER_CATEGORY),
        account: r.account,
        posted_on: r.date,
        amount_minor: r.amount_minor,
        currency: r.currency.as_str().into(),
        original_amount_minor: r.amount_minor,
        original_currency: r.currency.as_str().into(),
        counterparty: r.counterparty,
        description: r.description,
        category: r.category,
        external_id: r.reference,
    })
}

/// Lower-case hex SHA-256 of a file.
///
/// # Errors
/// When the file cannot be read.
pub fn file_sha256(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex_lower(&hasher.finalize()))
}

/// Lower-case hex of `bytes` (a digest, say).
#[must_use]
pub fn hex_lower(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

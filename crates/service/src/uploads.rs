//! Importing an uploaded statement file (already spooled to a temporary file by whoever read
//! it), exactly as `flowsense import` imports a file, and auditing the outcome.

use crate::identity::Client;
use crate::imports::{FileImport, ImportFailure, Quiet, import_file};
use crate::orgs::OrgAccess;
use crate::warm_up::warm_org_in_background;
use crate::{Context, FieldError, audit};
use flowsense_import::{DateFormat, ImportOptions};
use flowsense_storage::StorageError;
use serde::Serialize;
use serde_json::json;

/// The largest file accepted.
pub const MAX_UPLOAD_BYTES: u64 = 50 << 20;

/// A file received from a person, spooled to disk (never held in memory), with the import
/// choices they made.
pub struct SpooledUpload {
    /// Removed once the import has read it.
    pub file: tempfile::NamedTempFile,
    /// The name the file had on the sender's machine, without any path.
    pub file_name: String,
    pub bytes: u64,
    /// Lower-case hex SHA-256 of the file's bytes.
    pub sha256: String,
    /// The account rows without one go to.
    pub account: Option<String>,
    /// The date format chosen (`None`: detect it).
    pub date_format: Option<String>,
}

/// What an accepted upload did.
#[derive(Debug, Clone, Serialize)]
pub struct Uploaded {
    pub import_id: i64,
    pub file_name: String,
    pub format: &'static str,
    pub rows_read: u64,
    pub rows_added: u64,
    /// Rows the organisation already had (re-imports add nothing).
    pub duplicates_skipped: u64,
    pub documents_changed: u64,
    /// What the file was read as ("PayPal activity", "French bank statement").
    pub layout: String,
    /// Which column is what (`date=Created (UTC), amount=Amount, ...`; empty for OFX).
    pub columns: String,
    /// Every decision taken in reading it, as sentences (the layout first).
    pub notes: Vec<String>,
}

/// Why an upload was not imported.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// A choice on the form (account name, date format) is not acceptable.
    #[error(transparent)]
    Invalid(#[from] FieldError),
    #[error(transparent)]
    Import(#[from] ImportFailure),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Imports an upload into the member's organisation, all or nothing, and audits the outcome.
///
/// # Errors
/// The import's refusal with the first bad row, or a bad account name or date format.
#[tracing::instrument(skip_all, fields(org = %who.org, user = %who.user))]
pub async fn import_upload(
    ctx: &Context,
    who: &OrgAccess,
    upload: SpooledUpload,
    client: &Client,
) -> Result<Uploaded, UploadError> {
    let org = ctx.store.org(who.org).await?;
    let mut options = ImportOptions::new(org.settings.base_currency);
    if let Some(account) = &upload.account {
        if account.chars().count() > 100 || account.chars().any(char::is_control) {
            return Err(
                FieldError::new("account", "name the account in at most 100 characters").into(),
            );
        }
        options = options.with_default_account(account.clone());
    }
    if let Some(format) = &upload.date_format {
        options.date_format =
            Some(DateFormat::parse(format).map_err(|m| FieldError::new("date_format", m))?);
    }
    let outcome = import_file(
        &ctx.store,
        &org,
        FileImport {
            path: upload.file.path(),
            source_name: upload.file_name.clone(),
            file_name: upload.file_name.clone(),
            sha256: upload.sha256.clone(),
            options,
            documents: None,
            created_by: Some(who.user),
            check_first: true,
            narrate: ctx.providers.ai.is_some(),
        },
        &Quiet,
    )
    .await;
    // The spooled copy goes as soon as it is read.
    drop(upload.file);
    match outcome {
        Ok(done) => {
            // The next dashboard finds the new books' figures computed.
            warm_org_in_background(&ctx.store, &ctx.analytics, who.org);
            let s = done.summary;
            audit::in_org(
                ctx,
                who.org,
                Some(who.user),
                "import.completed",
                format!("import:{}", s.import_id),
                &client.ip,
                json!({
                    "file_name": upload.file_name,
                    "format": done.format,
                    "bytes": upload.bytes,
                    "rows_read": s.rows_read,
                    "rows_added": s.rows_added,
                }),
            )
            .await?;
            Ok(Uploaded {
                import_id: s.import_id,
                file_name: upload.file_name,
                format: done.format,
                rows_read: s.rows_read,
                rows_added: s.rows_added,
                duplicates_skipped: s.rows_read - s.rows_added,
                documents_changed: s.documents_changed,
                layout: done.notes.layout.clone(),
                columns: done.notes.columns.clone(),
                notes: done.notes.lines(),
            })
        }
        Err(failure) => {
            if let ImportFailure::Refused(e) = &failure {
                // The line number only: the reason may quote the file's content.
                tracing::info!(line = e.line, "an uploaded file was refused");
                audit::in_org(
                    ctx,
                    who.org,
                    Some(who.user),
                    "import.refused",
                    format!("org:{}", who.org),
                    &client.ip,
                    json!({"file_name": upload.file_name, "line": e.line}),
                )
                .await?;
            }
            Err(failure.into())
        }
    }
}

/// What the import page shows: the organisation, its accounts and its latest imports.
pub struct ImportOverview {
    pub org: flowsense_storage::Organisation,
    pub accounts: Vec<flowsense_storage::AccountSummary>,
    pub recent: Vec<flowsense_storage::ImportRecord>,
}

/// Imports listed on the import page.
pub const RECENT_IMPORTS: u32 = 20;

/// The organisation's accounts and latest imports.
///
/// # Errors
/// A database failure.
#[tracing::instrument(skip_all, fields(org = %who.org, user = %who.user))]
pub async fn import_overview(
    ctx: &Context,
    who: &OrgAccess,
) -> Result<ImportOverview, StorageError> {
    Ok(ImportOverview {
        org: ctx.store.org(who.org).await?,
        accounts: ctx.store.account_summaries(who.org).await?,
        recent: ctx.store.recent_imports(who.org, RECENT_IMPORTS).await?,
    })
}

/// One of the organisation's imports, if it has one of that id.
///
/// # Errors
/// A database failure.
#[tracing::instrument(skip_all, fields(org = %who.org, user = %who.user))]
pub async fn import_record(
    ctx: &Context,
    who: &OrgAccess,
    import_id: i64,
) -> Result<Option<flowsense_storage::ImportRecord>, StorageError> {
    ctx.store.import_record(who.org, import_id).await
}

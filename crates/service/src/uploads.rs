//! Importing an uploaded statement file (already spooled to a temporary file by whoever read
//! it), exactly as `flowsense import` imports a file, and auditing the outcome.

use crate::identity::Client;
use crate::imports::{FileImport, ImportFailure, Quiet, SavedMapping, import_file};
use crate::orgs::OrgAccess;
use crate::warm_up::warm_org_in_background;
use crate::{Context, FieldError, audit};
use flowsense_import::{ColumnMap, DateFormat, ImportOptions};
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
    /// The column mapping chosen, and what becomes of the one saved for the account.
    pub mapping: MappingChoices,
}

/// The column mapping an upload is read with, and the account it is for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MappingChoices {
    /// One of the organisation's bank accounts by id, instead of [`SpooledUpload::account`].
    pub account_id: Option<i64>,
    /// `date=Posted,amount=Amt`: read the CSV file with this mapping.
    pub map: Option<String>,
    /// Save `map` (and the date format) for the account, for its later files.
    pub save: bool,
    /// Leave the mapping saved for the account aside: read the header alone.
    pub ignore_saved: bool,
}

/// What an accepted upload did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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
    /// The account whose saved mapping the file was read with.
    pub mapping_used_of: Option<String>,
    /// The account the chosen mapping was saved for.
    pub mapping_saved_for: Option<String>,
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
    let (options, saved_mapping) = upload_options(ctx, &org, &upload).await?;
    let outcome = import_file(
        &ctx.store,
        &org,
        FileImport {
            path: upload.file.path(),
            source_name: upload.file_name.clone(),
            file_name: upload.file_name.clone(),
            sha256: upload.sha256.clone(),
            options,
            saved_mapping,
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
                mapping_used_of: done.mapping_used_of,
                mapping_saved_for: done.mapping_saved_for,
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

/// How the upload's choices read the file: its options, and what becomes of the mapping saved
/// for its account.
pub(crate) async fn upload_options(
    ctx: &Context,
    org: &flowsense_storage::Organisation,
    upload: &SpooledUpload,
) -> Result<(ImportOptions, SavedMapping), UploadError> {
    let mut options = ImportOptions::new(org.settings.base_currency);
    let choices = &upload.mapping;
    if let Some(id) = choices.account_id {
        // Another organisation's account is not found, exactly as a missing one.
        let account = ctx
            .store
            .bank_accounts(org.id)
            .await?
            .into_iter()
            .find(|a| a.id == id)
            .ok_or(StorageError::NotFound)?;
        options = options.with_default_account(account.name);
    } else if let Some(account) = &upload.account {
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
    let saved_mapping = match &choices.map {
        Some(map) => {
            options.column_map = ColumnMap::parse(map).map_err(|m| FieldError::new("map", m))?;
            if choices.save {
                SavedMapping::SaveGiven
            } else {
                SavedMapping::Ignore
            }
        }
        None if choices.ignore_saved => SavedMapping::Ignore,
        None => SavedMapping::Use,
    };
    Ok((options, saved_mapping))
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

//! An uploaded statement as it would import, before anything is written: the layout found (or
//! chosen), how dates are read and the first rows, for a person to check and correct the
//! mapping before confirming (`POST /api/v1/orgs/{org}/imports` with `dry_run`, and the import
//! page's preview step).

use crate::imports::{SavedMapping, mapping_spec};
use crate::orgs::OrgAccess;
use crate::uploads::{MappingChoices, SpooledUpload, UploadError, upload_options};
use crate::{Context, FieldError};
use chrono::TimeDelta;
use flowsense_core::money::format_minor;
use flowsense_import::{ColumnMap, FileFormat, PREVIEW_ROWS, Preview, preview_path};
use flowsense_storage::NewPendingUpload;
use serde::Serialize;
use std::io::Write as _;
use uuid::Uuid;
use zeroize::Zeroizing;

/// One header column and the field it is read as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PreviewColumn {
    pub name: String,
    /// `date`, `amount`, `description`, ... (`None`: the column is not read).
    pub field: Option<&'static str>,
}

/// One row as it will be imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PreviewRow {
    pub line: u64,
    pub date: chrono::NaiveDate,
    pub account: String,
    /// The signed amount as a plain decimal (`-1234.56`), in `currency`.
    pub amount: String,
    pub currency: String,
    pub counterparty: String,
    pub category: String,
    pub description: String,
}

/// What an upload would import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct UploadPreview {
    pub file_name: String,
    /// `CSV`, `OFX` or `QIF`.
    pub format: &'static str,
    /// The account rows without one of their own go to.
    pub account: String,
    /// CSV: the header's columns and what each is read as.
    pub columns: Vec<PreviewColumn>,
    /// How ambiguous dates are read (`DD/MM/YYYY`, `MM/DD/YYYY`, ...): as chosen, or as the
    /// first rows prove; `None` when none of them needs it.
    pub date_format: Option<&'static str>,
    /// The mapping the file is read with, as `map` takes it (empty: by header names alone).
    pub mapping: String,
    /// The account whose saved mapping the preview used.
    pub mapping_used_of: Option<String>,
    /// The first rows as they will be imported.
    pub rows: Vec<PreviewRow>,
    /// Why the file would be refused as it is mapped (line and reason).
    pub refusal: Option<String>,
}

/// Previews an upload with its choices (and the mapping saved for its account, unless they
/// give or leave it aside). Nothing is written.
///
/// # Errors
/// A bad choice (account id of no account of the organisation, date format, mapping), a file
/// that cannot be previewed at all (empty, not text), a database failure.
#[tracing::instrument(skip_all, fields(org = %who.org, user = %who.user))]
pub async fn preview_upload(
    ctx: &Context,
    who: &OrgAccess,
    upload: SpooledUpload,
) -> Result<UploadPreview, UploadError> {
    let org = ctx.store.org(who.org).await?;
    let (mut options, saved_mapping) = upload_options(ctx, &org, &upload).await?;
    options.source_name.clone_from(&upload.file_name);
    let preset = match saved_mapping {
        SavedMapping::Use => crate::imports::mapping::saved_mapping_for_csv(
            &ctx.store,
            org.id,
            upload.file.path(),
            &mut options,
        )
        .await
        .map_err(UploadError::Import)?,
        SavedMapping::Ignore | SavedMapping::SaveGiven => None,
    };
    let account = options.default_account.clone();
    let path = upload.file.path().to_path_buf();
    let read_with = options.clone();
    let preview =
        tokio::task::spawn_blocking(move || preview_path(&path, &read_with, PREVIEW_ROWS))
            .await
            .map_err(|e| crate::imports::ImportFailure::Interrupted(e.to_string()))?
            .map_err(|e| crate::imports::ImportFailure::Refused(renamed(e, &upload.file_name)))?;
    drop(upload.file);
    Ok(described(
        preview,
        upload.file_name,
        account,
        &options.column_map,
        preset.map(|p| p.account_name),
    ))
}

fn renamed(mut e: flowsense_import::ImportError, name: &str) -> flowsense_import::ImportError {
    name.clone_into(&mut e.source_name);
    e
}

fn described(
    preview: Preview,
    file_name: String,
    account: String,
    given: &ColumnMap,
    mapping_used_of: Option<String>,
) -> UploadPreview {
    let read = preview
        .columns
        .iter()
        .filter_map(|(name, field)| Some(format!("{}={name}", field.as_ref()?.name())));
    let mapping = if given.is_empty() && mapping_used_of.is_none() {
        // Found by header names: shown as the mapping that would choose the same columns.
        read.collect::<Vec<_>>().join(",")
    } else {
        mapping_spec(given)
    };
    UploadPreview {
        format: preview.format.label(),
        account,
        columns: preview
            .columns
            .into_iter()
            .map(|(name, field)| PreviewColumn {
                name,
                field: field.map(flowsense_import::Field::name),
            })
            .collect(),
        date_format: preview.date_format.map(flowsense_import::DateFormat::label),
        mapping: if preview.format == FileFormat::Csv {
            mapping
        } else {
            String::new()
        },
        mapping_used_of,
        rows: preview
            .rows
            .into_iter()
            .map(|t| PreviewRow {
                line: t.line,
                date: t.date,
                account: t.account,
                amount: format_minor(t.amount_minor, t.currency.exponent()),
                currency: t.currency.as_str().to_owned(),
                counterparty: t.counterparty,
                category: t.category,
                description: t.description,
            })
            .collect(),
        refusal: preview.refusal.map(|e| {
            let mut e = e;
            file_name.clone_into(&mut e.source_name);
            e.to_string()
        }),
        file_name,
    }
}

/// How long a previewed upload waits for its uploader to confirm it.
pub const PENDING_UPLOAD_MINUTES: i64 = 30;

/// An upload kept for its confirmation, and how it would import.
#[derive(Debug)]
pub struct HeldUpload {
    /// What the confirming form sends back.
    pub id: Uuid,
    pub preview: UploadPreview,
}

/// Keeps an upload (sealed, for its uploader only) until they confirm it, and previews it: the
/// first step of the import page. Replaces their previous pending upload in the organisation.
///
/// # Errors
/// As [`preview_upload`]; a database or sealing failure.
#[tracing::instrument(skip_all, fields(org = %who.org, user = %who.user))]
pub async fn hold_and_preview(
    ctx: &Context,
    who: &OrgAccess,
    upload: SpooledUpload,
) -> Result<HeldUpload, UploadError> {
    let content = Zeroizing::new(
        tokio::fs::read(upload.file.path())
            .await
            .map_err(|e| refused_io(&upload.file_name, &e))?,
    );
    let now = ctx.now();
    let id = Uuid::new_v4();
    ctx.store
        .create_pending_upload(&NewPendingUpload {
            id,
            org: who.org,
            user: who.user,
            file_name: &upload.file_name,
            sha256: &upload.sha256,
            content: &content,
            created_at: now,
            expires_at: now + TimeDelta::minutes(PENDING_UPLOAD_MINUTES),
        })
        .await?;
    let preview = preview_upload(ctx, who, upload).await?;
    Ok(HeldUpload { id, preview })
}

/// The choices the confirming form makes again (they may correct the preview's).
#[derive(Debug, Clone, Default)]
pub struct HeldChoices {
    pub account: Option<String>,
    pub date_format: Option<String>,
    pub mapping: MappingChoices,
}

/// A held upload with new choices, as a spooled file: `take` removes it (its import), else it
/// stays pending (another preview).
///
/// # Errors
/// [`UploadError::Invalid`] when it expired, was imported already, or is someone else's; a
/// database failure.
pub async fn held_upload(
    ctx: &Context,
    who: &OrgAccess,
    id: Uuid,
    take: bool,
    choices: HeldChoices,
) -> Result<SpooledUpload, UploadError> {
    let now = ctx.now();
    let pending = if take {
        ctx.store
            .take_pending_upload(who.org, id, who.user, now)
            .await?
    } else {
        ctx.store.pending_upload(who.org, id, who.user, now).await?
    };
    let Some(pending) = pending else {
        return Err(FieldError::new(
            "upload",
            "this preview has expired or its file was imported already: upload the file again",
        )
        .into());
    };
    let mut file =
        tempfile::NamedTempFile::new().map_err(|e| refused_io(&pending.file_name, &e))?;
    file.write_all(&pending.content)
        .map_err(|e| refused_io(&pending.file_name, &e))?;
    Ok(SpooledUpload {
        file,
        bytes: pending.content.len() as u64,
        file_name: pending.file_name,
        sha256: pending.sha256,
        account: choices.account,
        date_format: choices.date_format,
        mapping: choices.mapping,
    })
}

fn refused_io(file_name: &str, e: &std::io::Error) -> UploadError {
    let e = flowsense_import::ImportError::file(
        file_name,
        flowsense_import::ErrorReason::Io(e.kind().to_string()),
    );
    UploadError::Import(crate::imports::ImportFailure::Refused(e))
}

//! Uploaded statement files: a `multipart/form-data` body streamed to a temporary file (never
//! held in memory), then imported exactly as `flowsense import` imports a file.

use super::audit;
use crate::auth::{ClientInfo, Member};
use crate::{ApiError, AppState};
use axum::body::Body;
use axum::http::{HeaderMap, header};
use flowsense_import::{DateFormat, ImportOptions};
use flowsense_service::imports::{FileImport, ImportFailure, Quiet, hex_lower, import_file};
use flowsense_service::warm_up::warm_org_in_background;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

/// The largest file accepted.
pub const MAX_UPLOAD_BYTES: u64 = 50 << 20;
/// The largest upload request: the file and the form around it.
pub const MAX_UPLOAD_REQUEST_BYTES: usize = (50 << 20) + (256 << 10);
/// The form's small fields (account name, date format, CSRF token).
const MAX_TEXT_FIELD_BYTES: u64 = 1024;

/// What the upload form sent: the file, spooled to disk, and the optional import choices.
pub struct Upload {
    file: tempfile::NamedTempFile,
    pub file_name: String,
    pub bytes: u64,
    sha256: String,
    pub account: Option<String>,
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
}

pub(crate) fn too_large() -> ApiError {
    ApiError::PayloadTooLarge(format!(
        "files up to {} MB can be uploaded; split larger files",
        MAX_UPLOAD_BYTES >> 20
    ))
}

fn malformed() -> ApiError {
    ApiError::BadRequest("send the file as multipart/form-data in a field named file".into())
}

/// Whether an error from reading the body is the request size limit (see `limit_body`).
fn is_length_limit(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(e);
    while let Some(c) = cause {
        if c.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cause = c.source();
    }
    false
}

fn multipart_error(e: &multer::Error) -> ApiError {
    match e {
        multer::Error::StreamSizeExceeded { .. } | multer::Error::FieldSizeExceeded { .. } => {
            too_large()
        }
        multer::Error::StreamReadFailed(inner) if is_length_limit(inner.as_ref()) => too_large(),
        _ => malformed(),
    }
}

/// The last path segment, without control characters, at most 200 characters.
fn clean_file_name(raw: Option<&str>) -> String {
    let base = raw
        .unwrap_or_default()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default();
    let name: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    let name = name.trim();
    if name.is_empty() {
        "upload".to_owned()
    } else {
        name.to_owned()
    }
}

/// Reads an upload form: the `file` field streamed to a temporary file (hashed on the way,
/// refused past [`MAX_UPLOAD_BYTES`]), and the optional `account` and `date_format` fields.
///
/// # Errors
/// 400 for a body that is not such a form, 413 for a file too large, 422 without a file.
pub async fn read_upload(headers: &HeaderMap, body: Body) -> Result<Upload, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(malformed)?;
    let boundary = multer::parse_boundary(content_type).map_err(|_| malformed())?;
    let limits = multer::SizeLimit::new()
        .whole_stream(MAX_UPLOAD_REQUEST_BYTES as u64)
        .per_field(MAX_TEXT_FIELD_BYTES)
        .for_field("file", MAX_UPLOAD_BYTES);
    let constraints = multer::Constraints::new()
        .allowed_fields(vec!["csrf_token", "file", "account", "date_format"])
        .size_limit(limits);
    let mut form =
        multer::Multipart::with_constraints(body.into_data_stream(), boundary, constraints);
    let mut file = None;
    let (mut account, mut date_format) = (None, None);
    while let Some(mut field) = form.next_field().await.map_err(|e| multipart_error(&e))? {
        match field.name() {
            Some("file") if file.is_none() => {
                let file_name = clean_file_name(field.file_name());
                let spool = tempfile::NamedTempFile::new().map_err(ApiError::internal)?;
                let mut out = tokio::fs::File::from_std(
                    spool.as_file().try_clone().map_err(ApiError::internal)?,
                );
                let mut hasher = Sha256::new();
                let mut bytes = 0u64;
                while let Some(chunk) = field.chunk().await.map_err(|e| multipart_error(&e))? {
                    bytes += chunk.len() as u64;
                    if bytes > MAX_UPLOAD_BYTES {
                        return Err(too_large());
                    }
                    hasher.update(&chunk);
                    out.write_all(&chunk).await.map_err(ApiError::internal)?;
                }
                out.flush().await.map_err(ApiError::internal)?;
                file = Some((spool, file_name, bytes, hex_lower(&hasher.finalize())));
            }
            Some("account") => account = Some(text(field).await?),
            Some("date_format") => date_format = Some(text(field).await?),
            Some("csrf_token") => {} // checked before the handler runs (pages::form_csrf)
            _ => return Err(malformed()),
        }
    }
    let Some((file, file_name, bytes, sha256)) = file.filter(|f| f.2 > 0) else {
        return Err(ApiError::Unprocessable(
            "choose a CSV, OFX or QFX file to upload".into(),
        ));
    };
    Ok(Upload {
        file,
        file_name,
        bytes,
        sha256,
        account: account.filter(|a| !a.is_empty()),
        date_format: date_format.filter(|d| !d.is_empty() && d != "auto"),
    })
}

async fn text(field: multer::Field<'_>) -> Result<String, ApiError> {
    Ok(field
        .text()
        .await
        .map_err(|e| multipart_error(&e))?
        .trim()
        .to_owned())
}

/// Imports an upload into the member's organisation, all or nothing, and audits the outcome.
///
/// # Errors
/// 422 with the first bad row (`line N: reason`), or for a bad account name or date format.
pub async fn import_upload(
    state: &AppState,
    who: &Member,
    upload: Upload,
    client: &ClientInfo,
) -> Result<Uploaded, ApiError> {
    let org = state.store.org(who.org).await?;
    let mut options = ImportOptions::new(org.settings.base_currency);
    if let Some(account) = &upload.account {
        if account.chars().count() > 100 || account.chars().any(char::is_control) {
            return Err(ApiError::Unprocessable(
                "name the account in at most 100 characters".into(),
            ));
        }
        options = options.with_default_account(account.clone());
    }
    if let Some(format) = &upload.date_format {
        options.date_format = Some(DateFormat::parse(format).map_err(ApiError::Unprocessable)?);
    }
    let outcome = import_file(
        &state.store,
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
        },
        &Quiet,
    )
    .await;
    // The spooled copy goes as soon as it is read.
    drop(upload.file);
    match outcome {
        Ok(done) => {
            // The next dashboard finds the new books' figures computed.
            warm_org_in_background(&state.store, &state.analytics, who.org);
            let s = done.summary;
            audit::in_org(
                state,
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
            })
        }
        Err(failure) => {
            if let ImportFailure::Refused(e) = &failure {
                // The line number only: the reason may quote the file's content.
                tracing::info!(line = e.line, "an uploaded file was refused");
                audit::in_org(
                    state,
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

#[cfg(test)]
mod tests {
    use super::clean_file_name;

    #[test]
    fn file_names_lose_paths_and_control_characters() {
        assert_eq!(clean_file_name(Some("C:\\Users\\a\\bank.csv")), "bank.csv");
        assert_eq!(clean_file_name(Some("../../etc/x\n.csv")), "x.csv");
        assert_eq!(clean_file_name(Some("  ")), "upload");
        assert_eq!(clean_file_name(None), "upload");
    }
}

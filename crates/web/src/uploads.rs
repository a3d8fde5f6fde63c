//! Uploaded statement files: a `multipart/form-data` body streamed to a temporary file (never
//! held in memory); `flowsense_service::uploads` imports it.

use crate::ApiError;
use axum::body::Body;
use axum::http::{HeaderMap, header};
use flowsense_service::imports::hex_lower;
pub use flowsense_service::uploads::MAX_UPLOAD_BYTES;
use flowsense_service::uploads::{MappingChoices, SpooledUpload};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

/// The largest upload request: the file and the form around it.
pub const MAX_UPLOAD_REQUEST_BYTES: usize = (50 << 20) + (256 << 10);
/// The form's small fields (account, date format, mapping, CSRF token).
const MAX_TEXT_FIELD_BYTES: u64 = 1024;

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

/// An upload form read: the file and its choices, and whether it asks for a preview only
/// (`dry_run=true` on the API, the page's "Preview" button) rather than the import.
pub struct UploadForm {
    pub upload: SpooledUpload,
    pub preview: bool,
}

/// Reads an upload form: the `file` field streamed to a temporary file (hashed on the way,
/// refused past [`MAX_UPLOAD_BYTES`]), and the optional fields `account` (a name) or
/// `account_id`, `date_format`, `map` (`date=Posted,amount=Amt`), `save_mapping`, `no_preset`,
/// and `dry_run` (or the page's `intent=preview`).
///
/// # Errors
/// 400 for a body that is not such a form, 413 for a file too large, 422 without a file or
/// with a malformed choice.
pub async fn read_upload(headers: &HeaderMap, body: Body) -> Result<UploadForm, ApiError> {
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
        .allowed_fields(vec![
            "csrf_token",
            "file",
            "account",
            "account_id",
            "date_format",
            "map",
            "save_mapping",
            "no_preset",
            "dry_run",
            "intent",
        ])
        .size_limit(limits);
    let mut form =
        multer::Multipart::with_constraints(body.into_data_stream(), boundary, constraints);
    let mut file = None;
    let (mut account, mut date_format) = (None, None);
    let mut mapping = MappingChoices::default();
    let mut preview = false;
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
            Some("account_id") => {
                let id = text(field).await?;
                mapping.account_id = match id.as_str() {
                    "" => None,
                    id => Some(id.parse().map_err(|_| {
                        ApiError::Unprocessable("account_id is the number of an account".into())
                    })?),
                };
            }
            Some("map") => mapping.map = Some(text(field).await?).filter(|m| !m.is_empty()),
            Some("save_mapping") => mapping.save = flag("save_mapping", &text(field).await?)?,
            Some("no_preset") => mapping.ignore_saved = flag("no_preset", &text(field).await?)?,
            Some("dry_run") => preview = flag("dry_run", &text(field).await?)?,
            Some("intent") => preview = text(field).await? == "preview",
            Some("csrf_token") => {} // checked before the handler runs (pages::form_csrf)
            _ => return Err(malformed()),
        }
    }
    let Some((file, file_name, bytes, sha256)) = file.filter(|f| f.2 > 0) else {
        return Err(ApiError::Unprocessable(
            "choose a CSV, OFX, QFX or QIF file to upload".into(),
        ));
    };
    Ok(UploadForm {
        upload: SpooledUpload {
            file,
            file_name,
            bytes,
            sha256,
            account: account.filter(|a| !a.is_empty()),
            date_format: date_format.filter(|d| !d.is_empty() && d != "auto"),
            mapping,
        },
        preview,
    })
}

/// A yes/no form field: `true`, `1`, `on` or `yes`; `false`, `0`, `off`, `no` or empty.
fn flag(name: &str, value: &str) -> Result<bool, ApiError> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "on" | "yes" => Ok(true),
        "false" | "0" | "off" | "no" | "" => Ok(false),
        _ => Err(ApiError::Unprocessable(format!("{name} is true or false"))),
    }
}

async fn text(field: multer::Field<'_>) -> Result<String, ApiError> {
    Ok(field
        .text()
        .await
        .map_err(|e| multipart_error(&e))?
        .trim()
        .to_owned())
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

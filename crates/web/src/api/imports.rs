//! `POST /api/v1/orgs/{org}/imports`: a CSV, OFX/QFX or QIF file as `multipart/form-data`,
//! imported, or with `dry_run=true` previewed (nothing written).

use crate::auth::{ClientInfo, Member};
use crate::uploads::read_upload;
use crate::{ApiError, AppState};
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use flowsense_service::upload_preview::UploadPreview;
use flowsense_service::uploads::Uploaded;
use flowsense_service::{upload_preview, uploads};
use serde::Serialize;

/// The form's fields, as the OpenAPI document describes them (read by
/// [`read_upload`], which refuses any other field).
#[derive(utoipa::ToSchema)]
#[expect(
    dead_code,
    reason = "describes the multipart form, which read_upload reads"
)]
pub(crate) struct ImportForm {
    /// The file: CSV, OFX/QFX or QIF.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// The name of the account rows without one of their own go to.
    account: Option<String>,
    /// An existing account's id, instead of `account`.
    account_id: Option<String>,
    /// How ambiguous dates read: `DD/MM/YYYY`, `MM/DD/YYYY`, ...
    date_format: Option<String>,
    /// Which column is what: `date=Posted,amount=Amt`.
    map: Option<String>,
    /// `true`: keep `map` for the account's next files.
    save_mapping: Option<bool>,
    /// `true`: ignore the mapping saved for the account.
    no_preset: Option<bool>,
    /// `true`: only preview what would be imported; nothing is written.
    dry_run: Option<bool>,
}

/// What an upload answers: the import done, or with `dry_run=true` its preview.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub(crate) enum ImportAnswer {
    Imported(Uploaded),
    Preview(UploadPreview),
}

#[utoipa::path(
    post,
    path = "/api/v1/orgs/{org}/imports",
    tag = "imports",
    request_body(content = ImportForm, content_type = "multipart/form-data"),
    responses((status = 200, body = ImportAnswer, description = "The import's summary, or its preview")),
)]
pub(crate) async fn upload(
    State(state): State<AppState>,
    who: Member,
    client: ClientInfo,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let form = read_upload(&headers, body).await?;
    if form.preview {
        let preview = upload_preview::preview_upload(&state, &who, form.upload).await?;
        return Ok(Json(ImportAnswer::Preview(preview)).into_response());
    }
    let done = uploads::import_upload(&state, &who, form.upload, &client).await?;
    Ok(Json(ImportAnswer::Imported(done)).into_response())
}

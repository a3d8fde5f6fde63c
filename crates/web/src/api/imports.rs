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
use flowsense_service::{upload_preview, uploads};

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
        return Ok(Json(preview).into_response());
    }
    let done = uploads::import_upload(&state, &who, form.upload, &client).await?;
    Ok(Json(done).into_response())
}

//! `POST /api/v1/orgs/{org}/imports`: a CSV or OFX/QFX file as `multipart/form-data`.

use crate::auth::{ClientInfo, Member};
use crate::uploads::read_upload;
use crate::{ApiError, AppState};
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use flowsense_service::uploads::{self, Uploaded};

pub(crate) async fn upload(
    State(state): State<AppState>,
    who: Member,
    client: ClientInfo,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Uploaded>, ApiError> {
    let upload = read_upload(&headers, body).await?;
    Ok(Json(
        uploads::import_upload(&state, &who, upload, &client).await?,
    ))
}

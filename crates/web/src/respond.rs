//! The answers handlers share, one of each: private (uncached) answers, a renewed session
//! handed to the browser, downloads, service messages as sentences, and safe `next` links.

use crate::auth::session::session_cookie;
use crate::{ApiError, AppState};
use axum::Json;
use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use flowsense_service::identity::session::Issued;

/// Answers with the user's own data: no shared cache may keep them.
pub(crate) fn private(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// `r`, handing the browser the renewed session when there is one (after a step-up, a
/// password change, MFA turned on).
pub(crate) fn with_session(state: &AppState, issued: Option<&Issued>, mut r: Response) -> Response {
    if let Some(issued) = issued {
        r.headers_mut()
            .insert(header::SET_COOKIE, session_cookie(state, &issued.token));
    }
    r
}

/// A JSON answer that also hands the browser a (new) session cookie.
pub(crate) fn json_with_session(
    state: &AppState,
    issued: &Issued,
    body: serde_json::Value,
) -> Response {
    private(with_session(
        state,
        Some(issued),
        Json(body).into_response(),
    ))
}

/// `body` as a JSON file to save under `file_name`, never cached. Every download answers so.
pub(crate) fn json_attachment(body: Body, file_name: &str) -> Response {
    attachment(body, file_name, "application/json")
}

/// `body` as a file of `content_type` to save under `file_name` (which the caller keeps to
/// letters, digits, `-`, `_` and `.`), never cached.
pub(crate) fn attachment(body: Body, file_name: &str, content_type: &'static str) -> Response {
    let mut r = private(body.into_response());
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// The organisation's export, streamed as it is read.
pub(crate) fn org_export_download(export: flowsense_service::orgs::data::Export) -> Response {
    json_attachment(Body::from_stream(export.body), &export.file_name)
}

/// The export of everything held about the user, with a dated file name. The API and the
/// profile page's form both answer with it.
pub(crate) async fn own_data_download(
    state: &AppState,
    current: &flowsense_service::identity::Caller,
    client: &flowsense_service::identity::Client,
) -> Result<Response, ApiError> {
    let export = flowsense_service::identity::own_data::export(state, current, client).await?;
    let body = serde_json::to_vec_pretty(&export).map_err(ApiError::internal)?;
    let name = format!(
        "flowsense-export-{}.json",
        export.exported_at.format("%Y-%m-%d")
    );
    Ok(json_attachment(Body::from(body), &name))
}

/// A service message as a sentence for a page: capitalised, with a full stop.
pub(crate) fn sentence(message: &str) -> String {
    let mut chars = message.trim().chars();
    let mut out: String = chars
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default();
    out.extend(chars);
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

/// A `next` that can only lead back into this site: an absolute local path of visible ASCII,
/// never protocol-relative (`//host`), never with a backslash (which browsers read as `/`).
pub(crate) fn safe_next(raw: &str) -> Option<&str> {
    let local = raw.starts_with('/') && !raw.starts_with("//");
    let plain = raw
        .bytes()
        .all(|b| (0x21..=0x7e).contains(&b) && b != b'\\');
    (local && plain && raw.len() <= 2048).then_some(raw)
}

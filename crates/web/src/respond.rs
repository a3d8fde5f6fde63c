//! The answers handlers share, one of each: private (uncached) answers, a renewed session
//! handed to the browser, downloads, service messages as sentences, safe `next` links, and
//! whether the client takes gzip.

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

/// Whether the client takes gzip ([`accepts_gzip`]), read without copying the headers.
pub(crate) struct AcceptsGzip(pub bool);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for AcceptsGzip {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(accepts_gzip(&parts.headers)))
    }
}

/// Whether the request's `Accept-Encoding` takes gzip (RFC 9110, section 12.5.3): `gzip` (or
/// its alias `x-gzip`) named with a weight above zero, or else `*` with one. No header, or a
/// weight that does not parse, means no.
pub(crate) fn accepts_gzip(headers: &axum::http::HeaderMap) -> bool {
    let mut named = None;
    let mut any = false;
    for value in headers.get_all(header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for entry in value.split(',') {
            let mut params = entry.split(';');
            let coding = params.next().unwrap_or_default().trim();
            let weight = params
                .map(str::trim)
                .filter_map(|p| p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")))
                .next_back()
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok());
            let takes = weight.is_some_and(|w| w > 0.0);
            if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
                // A coding named twice: the refusal wins.
                named = Some(named.unwrap_or(true) && takes);
            } else if coding == "*" {
                any = takes;
            }
        }
    }
    named.unwrap_or(any)
}

#[cfg(test)]
mod tests {
    use super::accepts_gzip;
    use axum::http::{HeaderMap, HeaderValue, header};

    fn accepts(values: &[&str]) -> bool {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(
                header::ACCEPT_ENCODING,
                HeaderValue::from_str(v).expect("value"),
            );
        }
        accepts_gzip(&h)
    }

    #[test]
    fn gzip_is_taken_as_the_client_weighs_it() {
        assert!(accepts(&["gzip"]));
        assert!(accepts(&["gzip, deflate, br, zstd"]), "what browsers send");
        assert!(accepts(&["br;q=1.0, GZIP;q=0.5"]));
        assert!(accepts(&["x-gzip"]));
        assert!(accepts(&["*"]));
        assert!(
            accepts(&["identity", "gzip;q=0.1"]),
            "over two header lines"
        );
        assert!(!accepts(&[]), "no header: the document as it is");
        assert!(!accepts(&["identity"]));
        assert!(!accepts(&["br, deflate"]));
        assert!(!accepts(&["gzip;q=0"]));
        assert!(!accepts(&["gzip;q=0.000"]));
        assert!(!accepts(&["gzip;q=nonsense"]));
        assert!(!accepts(&["*, gzip;q=0"]), "named beats the wildcard");
        assert!(!accepts(&["*;q=0"]));
        assert!(!accepts(&["gzip, gzip;q=0"]), "the refusal wins");
        assert!(!accepts(&["gzipped"]));
    }
}

//! HTML forms cannot set headers, so a signed-in form carries the session's CSRF token as the
//! hidden field `csrf_token`. This layer copies that field into `X-CSRF-Token` before any
//! extractor runs, so forms are checked by the very same constant-time comparison as API calls
//! (in `auth::extract`). A form without the field fails that check.
//!
//! Upload forms (`multipart/form-data`) may be 50 MB, so they are not read whole: their first
//! part must be the `csrf_token` field (browsers send fields in document order, so the hidden
//! input comes first in the form), and only the beginning of the body is looked at.

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Forms are small; anything bigger is not one of ours.
const MAX_FORM_BYTES: usize = 64 * 1024;

fn token_in(form: &[u8]) -> Option<&[u8]> {
    form.split(|b| *b == b'&')
        .filter_map(|pair| {
            let eq = pair.iter().position(|b| *b == b'=')?;
            Some((&pair[..eq], &pair[eq + 1..]))
        })
        .find(|(k, _)| *k == b"csrf_token")
        .map(|(_, v)| v)
        .filter(|v| is_token(v))
}

/// Tokens are base64url: anything else is not a token.
fn is_token(v: &[u8]) -> bool {
    !v.is_empty()
        && v.iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
}

/// How much of a multipart body is read to find its first field.
const MULTIPART_PEEK_BYTES: usize = 2048;

/// The value of the first part of a multipart body when that part is the `csrf_token` field.
fn token_in_first_part<'a>(head: &'a [u8], boundary: &str) -> Option<&'a [u8]> {
    let delimiter = format!("--{boundary}\r\n");
    let rest = head.strip_prefix(delimiter.as_bytes())?;
    let end_of_headers = find(rest, b"\r\n\r\n")?;
    let headers = std::str::from_utf8(&rest[..end_of_headers]).ok()?;
    let names_token = headers.split("\r\n").any(|line| {
        line.split_once(':').is_some_and(|(name, value)| {
            name.trim().eq_ignore_ascii_case("content-disposition")
                && value.split(';').any(|p| p.trim() == "name=\"csrf_token\"")
                && !value.contains("filename")
        })
    });
    if !names_token {
        return None;
    }
    let value = &rest[end_of_headers + 4..];
    let end = find(value, format!("\r\n--{boundary}").as_bytes())?;
    Some(&value[..end]).filter(|v| is_token(v))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Reads the beginning of a multipart body for its CSRF field, then passes the whole body on.
async fn multipart_token_to_header<F: Future<Output = Response>>(
    req: Request,
    boundary: String,
    next: impl FnOnce(Request) -> F,
) -> Response {
    let (mut parts, body) = req.into_parts();
    let mut stream = body.into_data_stream();
    let mut head = Vec::new();
    let mut failed = None;
    while head.len() < MULTIPART_PEEK_BYTES {
        match futures_util::StreamExt::next(&mut stream).await {
            Some(Ok(chunk)) => head.extend_from_slice(&chunk),
            Some(Err(e)) => {
                failed = Some(e);
                break;
            }
            None => break,
        }
    }
    if let Some(token) =
        token_in_first_part(&head, &boundary).and_then(|t| HeaderValue::from_bytes(t).ok())
    {
        parts.headers.insert("x-csrf-token", token);
    }
    let first = futures_util::stream::iter([Ok::<_, axum::Error>(Bytes::from(head))]);
    let body = match failed {
        Some(e) => Body::from_stream(futures_util::StreamExt::chain(
            first,
            futures_util::stream::iter([Err(e)]),
        )),
        None => Body::from_stream(futures_util::StreamExt::chain(first, stream)),
    };
    next(Request::from_parts(parts, body)).await
}

pub(crate) async fn form_token_to_header<F: Future<Output = Response>>(
    req: Request,
    next: impl FnOnce(Request) -> F,
) -> Response {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if req.method() != Method::POST
        || req.uri().path().starts_with("/api/")
        || req.headers().contains_key("x-csrf-token")
    {
        return next(req).await;
    }
    if content_type.starts_with("multipart/form-data") {
        return match multer::parse_boundary(&content_type) {
            Ok(boundary) => multipart_token_to_header(req, boundary, next).await,
            Err(_) => next(req).await,
        };
    }
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return next(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_FORM_BYTES).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    if let Some(token) = token_in(&bytes).and_then(|t| HeaderValue::from_bytes(t).ok()) {
        parts.headers.insert("x-csrf-token", token);
    }
    next(Request::from_parts(parts, Body::from(bytes))).await
}

#[cfg(test)]
mod tests {
    use super::{token_in, token_in_first_part};

    #[test]
    fn a_multipart_token_counts_only_as_the_first_part() {
        let b = "XyZ";
        let form = |first: &str| {
            format!(
                "--{b}\r\nContent-Disposition: form-data; name=\"{first}\"\r\n\r\nAb-_9\r\n--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\ndata\r\n--{b}--\r\n"
            )
        };
        assert_eq!(
            token_in_first_part(form("csrf_token").as_bytes(), b),
            Some(&b"Ab-_9"[..])
        );
        assert_eq!(token_in_first_part(form("other").as_bytes(), b), None);
        let bad = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\na b\r\n--{b}--\r\n"
        );
        assert_eq!(token_in_first_part(bad.as_bytes(), b), None);
        // Cut short before the value ends: not a token.
        let cut = &form("csrf_token")[..60];
        assert_eq!(token_in_first_part(cut.as_bytes(), b), None);
    }

    #[test]
    fn the_token_field_is_found_and_nothing_else_passes() {
        assert_eq!(token_in(b"a=1&csrf_token=Ab-_9&b=2"), Some(&b"Ab-_9"[..]));
        assert_eq!(token_in(b"csrf_token=a%0Ab"), None);
        assert_eq!(token_in(b"csrf_token="), None);
        assert_eq!(token_in(b"other=x"), None);
    }
}

//! HTML forms cannot set headers, so a signed-in form carries the session's CSRF token as the
//! hidden field `csrf_token`. This layer copies that field into `X-CSRF-Token` before any
//! extractor runs, so forms are checked by the very same constant-time comparison as API calls
//! (in `auth::extract`). A form without the field fails that check.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
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
        // Tokens are base64url: anything else is not a token.
        .filter(|v| {
            !v.is_empty()
                && v.iter()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
        })
}

pub(crate) async fn form_token_to_header(req: Request, next: Next) -> Response {
    let is_form = req.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
        v.as_bytes()
            .starts_with(b"application/x-www-form-urlencoded")
    });
    if req.method() != Method::POST
        || !is_form
        || req.uri().path().starts_with("/api/")
        || req.headers().contains_key("x-csrf-token")
    {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_FORM_BYTES).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    if let Some(token) = token_in(&bytes).and_then(|t| HeaderValue::from_bytes(t).ok()) {
        parts.headers.insert("x-csrf-token", token);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

#[cfg(test)]
mod tests {
    use super::token_in;

    #[test]
    fn the_token_field_is_found_and_nothing_else_passes() {
        assert_eq!(token_in(b"a=1&csrf_token=Ab-_9&b=2"), Some(&b"Ab-_9"[..]));
        assert_eq!(token_in(b"csrf_token=a%0Ab"), None);
        assert_eq!(token_in(b"csrf_token="), None);
        assert_eq!(token_in(b"other=x"), None);
    }
}

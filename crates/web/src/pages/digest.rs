//! The weekly digest's pages: its one-click unsubscribe link (`GET` shows whom and what it
//! unsubscribes with a button; `POST`, as RFC 8058 mail clients send it, unsubscribes — no
//! session or CSRF token, the signed link is the authority) and the profile's preview of the
//! next digest.

use super::account::{Link, notice};
use super::{Chrome, private};
use crate::auth::Viewer;
use crate::{ApiError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use flowsense_service::digest::{self, DigestError, UnsubscribeTarget};

#[derive(Template, WebTemplate)]
#[template(path = "unsubscribe.html")]
struct UnsubscribePage {
    chrome: Chrome,
    target: UnsubscribeTarget,
    action: String,
}

fn page(token: &str, target: UnsubscribeTarget) -> Response {
    private(
        UnsubscribePage {
            chrome: Chrome::anonymous("unsubscribe"),
            target,
            action: format!("/unsubscribe/{token}"),
        }
        .into_response(),
    )
}

/// A link that is not ours, or whose member or organisation is gone: a page that says so, and
/// nothing changed.
fn refused(e: DigestError) -> Result<Response, ApiError> {
    let (status, heading, line) = match e {
        DigestError::InvalidLink => (
            StatusCode::BAD_REQUEST,
            "This unsubscribe link is not valid",
            "Check that the whole link from the e-mail was opened, or change your e-mail settings in your profile.",
        ),
        DigestError::NotFound => (
            StatusCode::NOT_FOUND,
            "There is nothing to unsubscribe from",
            "This digest's organisation, or your membership of it, no longer exists, so no more digests come from it.",
        ),
        other => return Err(other.into()),
    };
    Ok(notice(
        Chrome::anonymous("unsubscribe"),
        status,
        "unsubscribe-refused",
        heading,
        vec![line.to_owned()],
        Some(Link {
            href: "/app/profile#notifications".into(),
            label: "E-mail settings",
        }),
    ))
}

/// `GET /unsubscribe/{token}`: whom and what the link unsubscribes, and a button; changes
/// nothing (link scanners fetch URLs).
pub(crate) async fn confirm(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, ApiError> {
    match digest::unsubscribe_target(&state, &token).await {
        Ok(target) => Ok(page(&token, target)),
        Err(e) => refused(e),
    }
}

/// `POST /unsubscribe/{token}`: unsubscribes, whatever the body (RFC 8058 clients send
/// `List-Unsubscribe=One-Click`, form-encoded or as multipart), and says so with a 200 page.
pub(crate) async fn one_click(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, ApiError> {
    match digest::unsubscribe(&state, &token).await {
        Ok(target) => Ok(page(
            &token,
            UnsubscribeTarget {
                subscribed: false,
                ..target
            },
        )),
        Err(e) => refused(e),
    }
}

/// What the preview document may load: its own inline styles (an e-mail's only way to style)
/// and the chart as a `data:` image. No script, no other origin, no framing, no forms.
const PREVIEW_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
     frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// `GET /app/profile/digest-preview/{org}`: the HTML part of the digest the caller would get
/// from `{org}` now, as its own document (the e-mail's markup and inline styles, under a policy
/// that allows nothing else).
pub(crate) async fn preview(
    State(state): State<AppState>,
    who: Viewer,
) -> Result<Response, ApiError> {
    let html = digest::preview(&state, &who).await?;
    let mut r = Html(html).into_response();
    r.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PREVIEW_POLICY),
    );
    Ok(private(r))
}

//! The trust center (`/security`), the privacy page (`/privacy`) and
//! `/.well-known/security.txt`: every statement is a claim of the registry ([`claims`]), read from
//! the running configuration and tied to the tests that prove it, so the pages cannot drift from
//! what the server does.

mod claims;
mod contact;
mod instance;
mod privacy;

pub use contact::{BadSecurityContact, SecurityContact};

use super::{Chrome, private};
use crate::auth::CurrentUser;
use crate::{ApiError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::TimeDelta;
use claims::{CLAIMS, Section};
use flowsense_service::sub_processors::SubProcessor;
use instance::Instance;
use std::collections::BTreeSet;

/// The version and commit of the running binary.
pub(crate) const VERSION: &str = env!("CARGO_PKG_VERSION");
pub(crate) const COMMIT: &str = env!("FLOWSENSE_COMMIT");

/// One statement as shown.
struct ShownClaim {
    id: &'static str,
    label: &'static str,
    text: String,
    proven_by: &'static [&'static str],
}

/// One card.
struct ShownSection {
    title: &'static str,
    anchor: &'static str,
    claims: Vec<ShownClaim>,
}

fn sections(instance: &Instance) -> Vec<ShownSection> {
    Section::ALL
        .into_iter()
        .map(|section| ShownSection {
            title: section.title(),
            anchor: section.anchor(),
            claims: CLAIMS
                .iter()
                .filter(|c| c.section == section)
                .map(|c| ShownClaim {
                    id: c.id,
                    label: c.label,
                    text: (c.read)(instance),
                    proven_by: c.proven_by,
                })
                .collect(),
        })
        .collect()
}

/// The test files the claims cite, with how many of their tests each cites.
fn suites() -> Vec<(String, usize)> {
    let mut cited = BTreeSet::new();
    for claim in CLAIMS {
        cited.extend(claim.proven_by.iter().copied());
    }
    let mut files: Vec<(String, usize)> = Vec::new();
    for test in cited {
        let file = test.split_once("::").map_or(test, |(f, _)| f).to_owned();
        match files.iter_mut().find(|(f, _)| *f == file) {
            Some((_, n)) => *n += 1,
            None => files.push((file, 1)),
        }
    }
    files
}

#[derive(Template, WebTemplate)]
#[template(path = "security.html")]
struct SecurityPage {
    chrome: Chrome,
    sections: Vec<ShownSection>,
    sub_processors: Vec<SubProcessor>,
    contact: Option<SecurityContact>,
    tls: bool,
    version: &'static str,
    commit: &'static str,
    suites: Vec<(String, usize)>,
    tests_cited: usize,
    generated: String,
}

/// `GET /security`.
pub(crate) async fn security(
    State(state): State<AppState>,
    user: Result<CurrentUser, ApiError>,
) -> Response {
    let chrome = Chrome::optional(&state, user, "security").await;
    let instance = Instance::read(&state).await;
    let suites = suites();
    let page = SecurityPage {
        chrome,
        sections: sections(&instance),
        sub_processors: instance.sub_processors.clone(),
        contact: instance.contact.clone(),
        tls: instance.tls,
        version: VERSION,
        commit: COMMIT,
        tests_cited: suites.iter().map(|(_, n)| n).sum(),
        suites,
        generated: state.now().format("%-d %B %Y, %H:%M UTC").to_string(),
    };
    private(page.into_response())
}

/// One right as shown.
struct ShownRight {
    id: &'static str,
    title: &'static str,
    text: String,
    places: &'static [privacy::Place],
    proven_by: &'static [&'static str],
}

#[derive(Template, WebTemplate)]
#[template(path = "privacy.html")]
struct PrivacyPage {
    chrome: Chrome,
    rights: Vec<ShownRight>,
    generated: String,
}

/// `GET /privacy`.
pub(crate) async fn privacy(
    State(state): State<AppState>,
    user: Result<CurrentUser, ApiError>,
) -> Response {
    let chrome = Chrome::optional(&state, user, "privacy").await;
    let instance = Instance::read(&state).await;
    let rights = privacy::RIGHTS
        .iter()
        .map(|r| ShownRight {
            id: r.id,
            title: r.title,
            text: (r.read)(&instance),
            places: r.places,
            proven_by: r.proven_by,
        })
        .collect();
    let page = PrivacyPage {
        chrome,
        rights,
        generated: state.now().format("%-d %B %Y, %H:%M UTC").to_string(),
    };
    private(page.into_response())
}

#[derive(Template)]
#[template(path = "security.txt")]
struct SecurityTxt<'a> {
    contact: &'a str,
    expires: String,
    canonical: String,
    policy: String,
}

/// `GET /.well-known/security.txt` (RFC 9116), valid for one year from now; 404 when no contact
/// is configured (the RFC requires one, and none is invented).
pub(crate) async fn security_txt(State(state): State<AppState>) -> Result<Response, ApiError> {
    let Some(contact) = &state.deployment.security_contact else {
        return Err(ApiError::NotFound);
    };
    let base = &state.settings.public_url;
    let body = SecurityTxt {
        contact: contact.uri(),
        expires: (state.now() + TimeDelta::days(365))
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string(),
        canonical: format!("{base}/.well-known/security.txt"),
        policy: format!("{base}/security#h-report"),
    }
    .render()
    .map_err(ApiError::internal)?;
    let mut r = body.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    Ok(r)
}

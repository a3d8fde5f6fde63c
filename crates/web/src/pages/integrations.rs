//! `/app/{org}/integrations`: upload a bank file (members and admins), see the accounts and the
//! imports so far, and what connecting QuickBooks or Xero would take on this instance.

use super::{Chrome, private};
use crate::auth::{ClientInfo, Member};
use crate::uploads::{MAX_UPLOAD_BYTES, read_upload};
use crate::{ApiError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use flowsense_core::OrgId;
use flowsense_service::uploads;
use flowsense_storage::ImportRecord;
use serde::Deserialize;

pub(crate) struct AccountRow {
    name: String,
    kind: String,
    transactions: i64,
    last_posted_on: String,
    last_import: String,
}

pub(crate) struct ImportRow {
    when: String,
    file_name: String,
    format: &'static str,
    rows_read: i64,
    rows_added: i64,
    skipped: i64,
    by: String,
}

/// An accounting provider's card.
pub(crate) struct Provider {
    name: &'static str,
    settings: &'static [&'static str],
}

const PROVIDERS: [Provider; 2] = [
    Provider {
        name: "QuickBooks Online",
        settings: &[
            "QUICKBOOKS_CLIENT_ID",
            "QUICKBOOKS_CLIENT_SECRET",
            "QUICKBOOKS_WEBHOOK_VERIFIER",
        ],
    },
    Provider {
        name: "Xero",
        settings: &["XERO_CLIENT_ID", "XERO_CLIENT_SECRET", "XERO_WEBHOOK_KEY"],
    },
];

/// The choices the upload form offers next to the file (kept when it is refused).
#[derive(Debug, Default)]
pub(crate) struct UploadChoices {
    account: String,
    date_format: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "integrations.html")]
struct IntegrationsPage {
    chrome: Chrome,
    csrf: String,
    org_id: OrgId,
    org_name: String,
    max_mb: u64,
    choices: UploadChoices,
    imported: Option<ImportRow>,
    error: Option<String>,
    accounts: Vec<AccountRow>,
    imports: Vec<ImportRow>,
    providers: &'static [Provider],
}

const DATE_FORMATS: [(&str, &str); 5] = [
    ("", "Detect from the file"),
    ("YYYY-MM-DD", "YYYY-MM-DD"),
    ("MM/DD/YYYY", "MM/DD/YYYY"),
    ("DD/MM/YYYY", "DD/MM/YYYY"),
    ("YYYYMMDD", "YYYYMMDD"),
];

impl IntegrationsPage {
    fn date_formats(&self) -> [(&'static str, &'static str); 5] {
        DATE_FORMATS
    }
}

fn import_row(i: ImportRecord) -> ImportRow {
    ImportRow {
        when: i.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        format: if i.format == "documents-csv" {
            "invoices & bills"
        } else {
            "statement"
        },
        rows_read: i.rows_read,
        rows_added: i.rows_added,
        skipped: i.rows_read - i.rows_added,
        by: i.created_by_email.unwrap_or_else(|| "operator".into()),
        file_name: i.file_name,
    }
}

async fn render(
    state: &AppState,
    who: &Member,
    status: StatusCode,
    imported: Option<ImportRecord>,
    error: Option<String>,
    choices: UploadChoices,
) -> Result<Response, ApiError> {
    let uploads::ImportOverview {
        org,
        accounts,
        recent: imports,
    } = uploads::import_overview(state, who).await?;
    let chrome = Chrome::for_user(state, &who.current, Some(who.org), "integrations").await?;
    let page = IntegrationsPage {
        csrf: chrome.csrf_token.clone().unwrap_or_default(),
        chrome,
        org_id: who.org,
        org_name: org.name,
        max_mb: MAX_UPLOAD_BYTES >> 20,
        choices,
        imported: imported.map(import_row),
        error,
        accounts: accounts
            .into_iter()
            .map(|a| AccountRow {
                name: a.name,
                kind: a.kind.replace('_', " "),
                transactions: a.transactions,
                last_posted_on: a
                    .last_posted_on
                    .map(|d| d.format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
                last_import: match (a.last_import_at, a.last_import_file) {
                    (Some(at), Some(file)) => format!("{} · {file}", at.format("%Y-%m-%d")),
                    _ => String::new(),
                },
            })
            .collect(),
        imports: imports.into_iter().map(import_row).collect(),
        providers: &PROVIDERS,
    };
    Ok(private((status, page).into_response()))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Done {
    #[serde(default)]
    import: String,
}

/// `GET /app/{org}/integrations` (`?import=ID` after an upload shows what it did).
pub(crate) async fn page(
    State(state): State<AppState>,
    who: Member,
    query: Result<Query<Done>, QueryRejection>,
) -> Result<Response, ApiError> {
    let id = query.ok().and_then(|Query(q)| q.import.parse::<i64>().ok());
    let imported = match id {
        Some(id) => uploads::import_record(&state, &who, id).await?,
        None => None,
    };
    render(
        &state,
        &who,
        StatusCode::OK,
        imported,
        None,
        UploadChoices::default(),
    )
    .await
}

/// `POST /app/{org}/integrations/import`: the upload form (multipart, the CSRF token its first
/// field). Success goes back to the page with the import's outcome; a refusal re-renders the
/// form with the reason (the first bad line) and the right status.
pub(crate) async fn import(
    State(state): State<AppState>,
    who: Member,
    client: ClientInfo,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let mut choices = UploadChoices::default();
    let outcome = match read_upload(&headers, body).await {
        Ok(upload) => {
            choices.account = upload.account.clone().unwrap_or_default();
            choices.date_format = upload.date_format.clone().unwrap_or_default();
            let name = upload.file_name.clone();
            uploads::import_upload(&state, &who, upload, &client)
                .await
                .map_err(|e| (Some(name), ApiError::from(e)))
        }
        Err(e) => Err((None, e)),
    };
    match outcome {
        Ok(done) => Ok(private(
            Redirect::to(&format!(
                "/app/{}/integrations?import={}",
                who.org, done.import_id
            ))
            .into_response(),
        )),
        Err((name, e)) => {
            let status = e.status();
            if status.is_server_error() {
                return Err(e);
            }
            let message = match name {
                Some(file) => format!(
                    "{file} was not imported: {}",
                    super::sentence(&e.to_string())
                ),
                None => super::sentence(&e.to_string()),
            };
            render(&state, &who, status, None, Some(message), choices).await
        }
    }
}

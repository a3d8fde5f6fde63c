//! `/app/{org}/integrations`: upload a bank file (members and admins), see the accounts and the
//! imports so far, the organisation's QuickBooks and Xero connections (admins connect,
//! reconnect, disconnect and start a sync), and what connecting would take on an instance
//! where no app is registered.

use super::{Chrome, private};
use crate::auth::{Admin, ClientInfo, Member, RecentAuth};
use crate::error::path_id;
use crate::org_path::OrgPath;
use crate::uploads::{MAX_UPLOAD_BYTES, read_upload};
use crate::{ApiError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use flowsense_service::connections::{self, ConnectionError, Provider as ProviderKind};
use flowsense_service::{upload_preview, uploads};
use flowsense_storage::{Connection, ImportRecord};
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

/// An accounting provider's card: the settings it takes, and whether this instance has them.
pub(crate) struct Provider {
    pub(crate) name: &'static str,
    pub(crate) slug: &'static str,
    settings: &'static [&'static str],
    pub(crate) configured: bool,
}

pub(crate) fn provider_cards(state: &AppState) -> Vec<Provider> {
    vec![
        Provider {
            name: ProviderKind::QuickBooks.display_name(),
            slug: ProviderKind::QuickBooks.as_str(),
            settings: &[
                "QUICKBOOKS_CLIENT_ID",
                "QUICKBOOKS_CLIENT_SECRET",
                "QUICKBOOKS_WEBHOOK_VERIFIER",
            ],
            configured: state.providers.quickbooks.is_some(),
        },
        Provider {
            name: ProviderKind::Xero.display_name(),
            slug: ProviderKind::Xero.as_str(),
            settings: &["XERO_CLIENT_ID", "XERO_CLIENT_SECRET", "XERO_WEBHOOK_KEY"],
            configured: state.providers.xero.is_some(),
        },
    ]
}

/// A connection as the page lists it.
pub(crate) struct ConnectionRow {
    id: String,
    provider: &'static str,
    company: String,
    status: String,
    last_sync: String,
    /// Rows the last sync applied.
    rows: i64,
    next_sync: String,
    error: String,
    /// Shown to admins only (the service leaves it out for others).
    refresh_expires: String,
    active: bool,
    dead: bool,
    reconnect_slug: &'static str,
}

fn connection_row(c: Connection) -> ConnectionRow {
    let kind: Option<ProviderKind> = c.provider.parse().ok();
    let day = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default()
    };
    ConnectionRow {
        id: c.id.to_string(),
        provider: kind.map_or("unknown", ProviderKind::display_name),
        // The tenant id is the provider's customer identifier: never shown (checklist A1).
        company: c.tenant_name.unwrap_or_else(|| "—".into()),
        active: c.status == "active",
        dead: c.status == "dead",
        status: c.status,
        last_sync: if c.last_synced_at.is_some() {
            day(c.last_synced_at)
        } else {
            "not yet".into()
        },
        rows: c.synced_rows,
        next_sync: day(c.next_sync_at),
        error: c.last_error.unwrap_or_default(),
        refresh_expires: day(c.refresh_expires_at),
        reconnect_slug: kind.map_or("", ProviderKind::as_str),
    }
}

/// A message after a connect, disconnect or sync.
pub(crate) struct ConnectionNotice {
    text: &'static str,
    is_error: bool,
}

/// What `?connection=` after a connect, disconnect or sync says.
fn connection_notice(outcome: &str) -> Option<ConnectionNotice> {
    let (text, is_error) = match outcome {
        "connected" => ("Connected. The first sync is queued.", false),
        "denied" => ("The connection was not approved; nothing was stored.", true),
        "expired" => ("That connection request had expired; start again.", true),
        "not-configured" => ("That provider is not configured on this instance.", true),
        "no-tenants" => (
            "That login reaches no organisation; add one at the provider, then connect again.",
            true,
        ),
        "failed" => (
            "The provider did not complete the connection; try again.",
            true,
        ),
        "disconnected" => ("Disconnected. Its tokens were deleted.", false),
        "sync-queued" => ("A sync is queued.", false),
        "not-active" => (
            "Only an active connection can sync; connect again first.",
            true,
        ),
        _ => return None,
    };
    Some(ConnectionNotice { text, is_error })
}

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
    org_id: OrgPath,
    org_name: String,
    max_mb: u64,
    choices: UploadChoices,
    imported: Option<ImportRow>,
    error: Option<String>,
    accounts: Vec<AccountRow>,
    imports: Vec<ImportRow>,
    providers: Vec<Provider>,
    connections: Vec<ConnectionRow>,
    connection_notice: Option<ConnectionNotice>,
}

pub(crate) const DATE_FORMATS: [(&str, &str); 5] = [
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
    connection_notice: Option<ConnectionNotice>,
) -> Result<Response, ApiError> {
    let connections = connections::list(state, who).await?;
    let uploads::ImportOverview {
        org,
        accounts,
        recent: imports,
    } = uploads::import_overview(state, who).await?;
    let chrome = Chrome::for_user(state, &who.current, Some(who.org), "integrations").await?;
    let page = IntegrationsPage {
        csrf: chrome.csrf_token.clone().unwrap_or_default(),
        chrome,
        org_id: who.path.clone(),
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
        providers: provider_cards(state),
        connections: connections.into_iter().map(connection_row).collect(),
        connection_notice,
    };
    Ok(private((status, page).into_response()))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Done {
    #[serde(default)]
    import: String,
    #[serde(default)]
    connection: String,
}

/// `GET /app/{org}/integrations` (`?import=ID` after an upload shows what it did).
pub(crate) async fn page(
    State(state): State<AppState>,
    who: Member,
    query: Result<Query<Done>, QueryRejection>,
) -> Result<Response, ApiError> {
    let done = query.map(|Query(q)| q).unwrap_or_default();
    let id = done.import.parse::<i64>().ok();
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
        connection_notice(&done.connection),
    )
    .await
}

/// The page again with why a file was not imported (nothing of it kept).
pub(crate) async fn refused(
    state: &AppState,
    who: &Member,
    status: StatusCode,
    message: String,
) -> Result<Response, ApiError> {
    render(
        state,
        who,
        status,
        None,
        Some(message),
        UploadChoices::default(),
        None,
    )
    .await
}

/// `POST /app/{org}/integrations/import`: the upload form (multipart, the CSRF token its first
/// field). Its "Preview" button (`intent=preview`) keeps the file for the uploader and shows
/// how it would import, to confirm or correct (see [`super::import_preview`]); a form without
/// it (the welcome page's) imports at once. Success goes back to the page with the import's
/// outcome; a refusal re-renders the form with the reason (the first bad line) and the right
/// status.
pub(crate) async fn import(
    State(state): State<AppState>,
    who: Member,
    client: ClientInfo,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let mut choices = UploadChoices::default();
    let outcome = match read_upload(&headers, body).await {
        Ok(form) => {
            let upload = form.upload;
            choices.account = upload.account.clone().unwrap_or_default();
            choices.date_format = upload.date_format.clone().unwrap_or_default();
            let name = upload.file_name.clone();
            if form.preview {
                return match upload_preview::hold_and_preview(&state, &who, upload).await {
                    Ok(held) => super::import_preview::render(&state, &who, held, None).await,
                    Err(e) => {
                        let e = ApiError::from(e);
                        if e.status().is_server_error() {
                            return Err(e);
                        }
                        let message = format!(
                            "{name} cannot be previewed: {}",
                            super::sentence(&e.to_string())
                        );
                        render(&state, &who, e.status(), None, Some(message), choices, None).await
                    }
                };
            }
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
                who.path, done.import_id
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
            render(&state, &who, status, None, Some(message), choices, None).await
        }
    }
}

fn back_to_integrations(org: &OrgPath, outcome: &str) -> Response {
    private(Redirect::to(&format!("/app/{org}/integrations?connection={outcome}")).into_response())
}

/// `POST /app/{org}/integrations/connect/{provider}` (admins, CSRF, recent sign-in): 303 to the
/// provider's consent page.
pub(crate) async fn connect(
    State(state): State<AppState>,
    who: Admin,
    _: RecentAuth,
    client: ClientInfo,
    Path((_, provider)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let provider: ProviderKind = provider.parse().map_err(|_| ApiError::NotFound)?;
    let started =
        connections::begin_connect(&state, &who, provider, client.presented_session.as_deref())
            .await?;
    Ok(private(
        Redirect::to(&started.authorize_url).into_response(),
    ))
}

/// `POST /app/{org}/integrations/connections/{id}/disconnect` (admins, CSRF, recent sign-in).
pub(crate) async fn disconnect(
    State(state): State<AppState>,
    who: Admin,
    _: RecentAuth,
    client: ClientInfo,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = path_id(&id)?;
    connections::disconnect(&state, &who, id, &client.ip).await?;
    Ok(back_to_integrations(&who.path, "disconnected"))
}

/// `POST /app/{org}/integrations/connections/{id}/sync` (admins, CSRF).
pub(crate) async fn sync_now(
    State(state): State<AppState>,
    who: Admin,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = path_id(&id)?;
    match connections::sync_now(&state, &who, id).await {
        Ok(_) => Ok(back_to_integrations(&who.path, "sync-queued")),
        Err(ConnectionError::NotActive) => Ok(back_to_integrations(&who.path, "not-active")),
        Err(e) => Err(e.into()),
    }
}

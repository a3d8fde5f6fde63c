//! The product pages under `/app`: the organisation picker, the dashboard and transactions.

use super::dashboard::{Dashboard, build, with_insights};
use super::{Can, Chrome, encode, private};
use crate::auth::CurrentUser;
use crate::auth::extract::Viewer;
use crate::org_path::OrgPath;
use crate::{ApiError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use flowsense_core::format::{count, money};
use flowsense_core::{Currency, FlowClass};
use flowsense_service::ai::narratives::shown_insights;
use flowsense_service::analysis;
use flowsense_service::insights::top_insights;
use flowsense_service::orgs::first_run::{self, FirstRun};
use flowsense_service::orgs::{data, lifecycle};
use flowsense_storage::{TxnCursor, TxnFilter};
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "no_orgs.html")]
struct NoOrgs {
    chrome: Chrome,
    /// Until the address is confirmed the account can only accept invitations.
    email_to_confirm: Option<String>,
    csrf: String,
}

/// `GET /app`: to the first organisation's dashboard.
pub(crate) async fn app_home(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Response, ApiError> {
    let orgs = lifecycle::organisations_of(&state, &current).await?;
    match orgs.first() {
        Some(org) => {
            Ok(Redirect::to(&format!("/app/{}", OrgPath::of(org.id, &org.slug))).into_response())
        }
        None => {
            let chrome = Chrome::for_user(&state, &current, None, "app").await?;
            Ok(private(
                NoOrgs {
                    csrf: chrome.csrf_token.clone().unwrap_or_default(),
                    chrome,
                    email_to_confirm: current
                        .user
                        .email_verified_at
                        .is_none()
                        .then(|| current.user.email.clone()),
                }
                .into_response(),
            ))
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    org_id: OrgPath,
    org_name: String,
    role: &'static str,
    d: Dashboard,
    /// Until the books hold data: the first-run checklist.
    first_run: Vec<Step>,
}

/// One step of the first-run checklist, with where it is done (absent when the viewer's role
/// cannot do it).
pub(crate) struct Step {
    id: &'static str,
    title: &'static str,
    detail: &'static str,
    done: bool,
    link: Option<(String, &'static str)>,
}

/// The checklist a new organisation's dashboard shows until its books hold data.
fn first_run_steps(org: &OrgPath, can: Can, f: FirstRun) -> Vec<Step> {
    let admin_link = |path: &str, label| can.admin.then(|| (format!("/app/{org}{path}"), label));
    vec![
        Step {
            id: "step-create",
            title: "Create your business",
            detail: "Done. Its name, currency and time zone can change in the settings.",
            done: true,
            link: admin_link("/settings", "Settings"),
        },
        Step {
            id: "step-books",
            title: "Bring your books",
            detail: if f.connected {
                "Connected: the first sync is on its way, and the dashboard fills in when it lands."
            } else {
                "Connect QuickBooks or Xero, or upload a bank statement (a sample file is there to try)."
            },
            done: f.books_in,
            link: can
                .write
                .then(|| (format!("/app/{org}/welcome"), "Bring your books")),
        },
        Step {
            id: "step-team",
            title: "Invite your team",
            detail: "Colleagues and your accountant see the same figures, each with their own role.",
            done: f.team_invited,
            link: admin_link("/members", "Invite people"),
        },
        Step {
            id: "step-digest",
            title: "Turn on the weekly digest",
            detail: "A Monday e-mail with cash, runway and what changed.",
            done: f.digest_on,
            link: Some((
                "/app/profile#notifications".to_owned(),
                "Your notifications",
            )),
        },
    ]
}

fn role_phrase(role: flowsense_core::Role) -> &'static str {
    match role {
        flowsense_core::Role::Admin => "an admin",
        flowsense_core::Role::Member => "a member",
        flowsense_core::Role::Viewer => "a viewer",
    }
}

/// `GET /app/{org}`: the dashboard, for viewers and up.
pub(crate) async fn dashboard(
    State(state): State<AppState>,
    access: Viewer,
) -> Result<Response, ApiError> {
    // Computed once per books version and shared; each request copies what it shows.
    let (org, (d, insights)) = analysis::read_org_analysis(&state, &access, move |a| {
        (
            Dashboard::clone(&a.view("dashboard", build)),
            Vec::clone(&a.view("top insights", top_insights)),
        )
    })
    .await?;
    let shown = shown_insights(&state, &org, insights).await?;
    let d = with_insights(d, shown, &access.path);
    let chrome = Chrome::for_user(&state, &access.current, Some(access.org), "dashboard").await?;
    let first_run = if d.has_data {
        Vec::new()
    } else {
        let f = first_run::first_run(&state, &access).await?;
        first_run_steps(&access.path, chrome.can, f)
    };
    let page = DashboardPage {
        chrome,
        org_id: access.path.clone(),
        org_name: org.name,
        role: role_phrase(access.role),
        d,
        first_run,
    };
    Ok(private(page.into_response()))
}

/// The filter form's fields, echoed back into the form.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Filters {
    #[serde(default)]
    q: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    counterparty: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    cursor: String,
    /// Set after a correction was saved.
    #[serde(default)]
    saved: String,
}

pub(crate) struct Row {
    id: i64,
    /// "Owner money or loan" or "Between my accounts"; empty for day-to-day business.
    class_label: &'static str,
    /// The owner changed its category, name or kind.
    corrected: bool,
    date: String,
    counterparty: String,
    description: String,
    category: String,
    account: String,
    /// In the base currency, as the reports count it; "no rate" when none is known.
    amount: String,
    /// As held in its account's currency, when that is not the base currency; else empty.
    original: String,
    incoming: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "transactions.html")]
struct TransactionsPage {
    chrome: Chrome,
    org_id: OrgPath,
    org_name: String,
    f: Filters,
    rows: Vec<Row>,
    error: Option<String>,
    has_filters: bool,
    cursor_present: bool,
    next_link: Option<String>,
    /// The download of every row the filters match, without its `format=`.
    export_link: String,
    /// Members and admins may correct a transaction.
    can_edit: bool,
    saved: bool,
    /// Rows a search may have missed because the index is still taking them in.
    search_waiting: i64,
    search_waiting_text: String,
}

fn some(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.chars().take(200).collect())
}

fn date(s: &str) -> Result<Option<NaiveDate>, String> {
    match some(s) {
        None => Ok(None),
        Some(d) => NaiveDate::parse_from_str(&d, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| format!("“{d}” is not a date (YYYY-MM-DD).")),
    }
}

impl Filters {
    /// The list filter the form asks for (no cursor, no limit), and why its dates were left out
    /// when one is not a date.
    pub(super) fn to_filter(&self) -> (TxnFilter, Option<String>) {
        let (from, to, error) = match (date(&self.from), date(&self.to)) {
            (Ok(a), Ok(b)) => (a, b, None),
            (Err(e), _) | (_, Err(e)) => (None, None, Some(e)),
        };
        let filter = TxnFilter {
            from,
            to,
            account: None,
            category: some(&self.category),
            counterparty: some(&self.counterparty),
            text: some(&self.q),
            cursor: None,
            limit: 0,
        };
        (filter, error)
    }
}

/// `GET /app/{org}/transactions`: filter form and cursor paging over `list_transactions`.
pub(crate) async fn transactions(
    State(state): State<AppState>,
    access: Viewer,
    query: Result<Query<Filters>, QueryRejection>,
) -> Result<Response, ApiError> {
    let f = query.map(|Query(q)| q).unwrap_or_default();
    let org = lifecycle::organisation_as_checked(&state, &access).await?;
    let currency: Currency = org.settings.base_currency;
    let (mut filter, error) = f.to_filter();
    filter.cursor = some(&f.cursor).and_then(|c| TxnCursor::decode(&c));
    filter.limit = 50;
    let page = data::transactions(&state, &access, &filter).await?;
    let search_waiting = page.search_waiting;
    let rows = page
        .items
        .iter()
        .map(|t| Row {
            id: t.id,
            class_label: match t.class {
                FlowClass::Operating => "",
                other => other.label(),
            },
            corrected: t.source_category.is_some()
                || t.source_counterparty.is_some()
                || t.class_override.is_some(),
            date: t.posted_on.format("%Y-%m-%d").to_string(),
            counterparty: t.counterparty.clone(),
            description: t.description.clone(),
            category: t.category.clone(),
            account: t.account.clone(),
            amount: t
                .base_amount_minor
                .map_or_else(|| "no rate".to_owned(), |v| money(v, currency)),
            original: Currency::parse(&t.currency)
                .ok()
                .filter(|c| *c != currency)
                .map(|c| format!("{} {c}", money(t.amount_minor, c)))
                .unwrap_or_default(),
            incoming: t.amount_minor > 0,
        })
        .collect();
    let has_filters = [&f.q, &f.category, &f.counterparty, &f.from, &f.to]
        .iter()
        .any(|v| !v.trim().is_empty());
    let filters = format!(
        "q={}&category={}&counterparty={}&from={}&to={}",
        encode(f.q.trim()),
        encode(f.category.trim()),
        encode(f.counterparty.trim()),
        encode(f.from.trim()),
        encode(f.to.trim()),
    );
    let next_link = page.next_cursor.map(|c| {
        format!(
            "/app/{}/transactions?{filters}&cursor={}",
            access.path,
            encode(&c)
        )
    });
    let chrome =
        Chrome::for_user(&state, &access.current, Some(access.org), "transactions").await?;
    let page = TransactionsPage {
        can_edit: chrome.can.write,
        saved: !f.saved.is_empty(),
        chrome,
        org_id: access.path.clone(),
        org_name: org.name,
        cursor_present: filter.cursor.is_some(),
        f,
        rows,
        error,
        has_filters,
        next_link,
        export_link: format!("/app/{}/transactions/export?{filters}", access.path),
        search_waiting,
        search_waiting_text: count(search_waiting),
    };
    Ok(private(page.into_response()))
}

//! `GET /app/{org}/recurring`: every recurring payment the engine found, with its cadence,
//! amount and next expected date, price changes highlighted, and the ones that stopped.

use super::{Chrome, encode, private};
use crate::auth::extract::Viewer;
use crate::org_path::OrgPath;
use crate::{ApiError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use flowsense_core::analytics::RecurringItem;
use flowsense_core::format::{money_size, money_whole_size, percent};
use flowsense_service::analysis::{Analysis, read_org_analysis};

#[derive(Clone)]
pub(crate) struct ItemRow {
    counterparty: String,
    link: String,
    category: String,
    /// How often, and on which days ("twice a month, on the 1st and 15th").
    cadence: String,
    amount: String,
    next: String,
    last: String,
    occurrences: usize,
    /// "+12.0%" and "since 3 Mar 2026, was $44.00" when the price moved.
    change: Option<(String, String)>,
    change_up: bool,
}

#[derive(Clone)]
pub(crate) struct RecurringView {
    as_of: String,
    monthly_commitment: String,
    active_count: usize,
    rises: usize,
    active: Vec<ItemRow>,
    stopped: Vec<ItemRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "recurring.html")]
struct RecurringPage {
    chrome: Chrome,
    org_name: String,
    has_data: bool,
    v: RecurringView,
    export_link: String,
}

fn row(i: &RecurringItem, a: &Analysis, org: &OrgPath) -> ItemRow {
    let c = a.currency();
    ItemRow {
        link: format!(
            "/app/{org}/transactions?counterparty={}",
            encode(&i.counterparty)
        ),
        counterparty: i.counterparty.clone(),
        category: i.category.clone(),
        cadence: format!("{}, {}", i.cadence.label(), i.schedule_text),
        amount: money_size(i.typical_amount, c),
        next: i.next_expected.format("%-d %b %Y").to_string(),
        last: i.last_date.format("%-d %b %Y").to_string(),
        occurrences: i.occurrences,
        change: i.price_change.as_ref().map(|p| {
            (
                percent(p.change_bp),
                format!(
                    "since {}, was {}",
                    p.since.format("%-d %b %Y"),
                    money_size(p.old_amount, c)
                ),
            )
        }),
        change_up: i.price_change.as_ref().is_some_and(|p| p.change_bp > 0),
    }
}

fn build(a: &Analysis, org: &OrgPath) -> RecurringView {
    let r = a.recurring();
    let mut active: Vec<&RecurringItem> = r.items.iter().filter(|i| i.active).collect();
    // Price changes first (the newest first), then the largest payments.
    active.sort_by(|x, y| {
        let since = |i: &RecurringItem| i.price_change.as_ref().map(|p| p.since);
        since(y)
            .cmp(&since(x))
            .then(x.typical_amount.cmp(&y.typical_amount))
            .then_with(|| x.counterparty.cmp(&y.counterparty))
    });
    let mut stopped: Vec<&RecurringItem> = r.items.iter().filter(|i| !i.active).collect();
    stopped.sort_by_key(|s| std::cmp::Reverse(s.last_date));
    RecurringView {
        as_of: a.as_of.format("%-d %B %Y").to_string(),
        monthly_commitment: money_whole_size(r.monthly_commitment, a.currency()),
        active_count: active.len(),
        rises: active
            .iter()
            .filter(|i| i.price_change.as_ref().is_some_and(|p| p.change_bp > 0))
            .count(),
        active: active.iter().map(|i| row(i, a, org)).collect(),
        stopped: stopped.iter().map(|i| row(i, a, org)).collect(),
    }
}

/// `GET /app/{org}/recurring`.
pub(crate) async fn recurring(
    State(state): State<AppState>,
    access: Viewer,
) -> Result<Response, ApiError> {
    let path = access.path.clone();
    let (org, (has_data, v)) = read_org_analysis(&state, &access, move |a| {
        // Once per books version; `path` names the organisation the analysis belongs to.
        let v = a.view("recurring page", |a| build(a, &path));
        (a.has_data(), RecurringView::clone(&v))
    })
    .await?;
    let page = RecurringPage {
        export_link: format!("/app/{}/recurring/export?", access.path),
        chrome: Chrome::for_user(&state, &access.current, Some(access.org), "recurring").await?,
        org_name: org.name,
        has_data,
        v,
    };
    Ok(private(page.into_response()))
}

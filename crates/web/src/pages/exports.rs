//! `GET /app/{org}/{page}/export?format=csv|xlsx`: the tables a page shows, with the page's own
//! filters, as a file for the accountant (see [`crate::export`]). Every role may download what
//! it may see.

use super::app::Filters;
use super::cashflow::{CashflowQuery, ask};
use crate::auth::extract::Viewer;
use crate::export::{Download, Format};
use crate::{ApiError, AppState};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use flowsense_core::analytics::cashflow as cashflow_report;
use flowsense_core::analytics::tabulate::{
    Cell, Table, aging_tables, cashflow_periods_table, forecast_weeks_table, named_table,
    recurring_table,
};
use flowsense_service::analysis::{Analysis, read_org_analysis};
use flowsense_service::orgs::data::{self, MAX_EXPORT_TRANSACTIONS};
use flowsense_service::orgs::lifecycle;
use flowsense_storage::StoredTransaction;
use serde::Deserialize;

/// `format=` beside the page's own query.
#[derive(Debug, Deserialize)]
pub(crate) struct ExportQuery<Q> {
    #[serde(default)]
    format: String,
    #[serde(flatten)]
    page: Q,
}

/// Only the format: pages without a form.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct NoForm {}

fn read<Q>(query: Result<Query<ExportQuery<Q>>, QueryRejection>) -> Result<(Format, Q), ApiError> {
    let Query(q) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    Ok((Format::parse(&q.format)?, q.page))
}

/// Runs `tables` over the organisation's analysed books and answers with the file.
async fn analysed(
    state: &AppState,
    access: &Viewer,
    format: Format,
    what: &'static str,
    tables: impl FnOnce(&Analysis) -> Result<Vec<Table>, String> + Send + 'static,
) -> Result<Response, ApiError> {
    let (org, (as_of, currency, tables)) =
        read_org_analysis(state, access, move |a| (a.as_of, a.currency(), tables(a))).await?;
    let tables = tables.map_err(ApiError::BadRequest)?;
    Download {
        org_slug: org.slug,
        what,
        as_of,
        currency,
        tables,
    }
    .respond(format)
}

/// `GET /app/{org}/cashflow/export`: money in, out and net per period over the page's range
/// with its total, and by category (or counterparty, as the page is split).
pub(crate) async fn cashflow(
    State(state): State<AppState>,
    access: Viewer,
    query: Result<Query<ExportQuery<CashflowQuery>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let (format, q) = read(query)?;
    analysed(&state, &access, format, "cash-flow", move |a| {
        let ask = ask(&q, a.as_of)?;
        let r = cashflow_report(&a.books, Some(ask.from), Some(ask.to), ask.period);
        let names = if ask.by_counterparty {
            named_table("By counterparty", &r.by_counterparty)
        } else {
            named_table("By category", &r.by_category)
        };
        Ok(vec![cashflow_periods_table(&r), names])
    })
    .await
}

/// `GET /app/{org}/aging/export`: receivables and payables by days past due, receivables
/// health and the late payers.
pub(crate) async fn aging(
    State(state): State<AppState>,
    access: Viewer,
    query: Result<Query<ExportQuery<NoForm>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let (format, NoForm {}) = read(query)?;
    analysed(&state, &access, format, "aging", |a| {
        Ok(aging_tables(a.aging()))
    })
    .await
}

/// `GET /app/{org}/recurring/export`: every recurring payment, active or stopped.
pub(crate) async fn recurring(
    State(state): State<AppState>,
    access: Viewer,
    query: Result<Query<ExportQuery<NoForm>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let (format, NoForm {}) = read(query)?;
    analysed(&state, &access, format, "recurring", |a| {
        Ok(vec![recurring_table(a.recurring())])
    })
    .await
}

/// `GET /app/{org}/forecast/export`: the baseline forecast's 13 weeks.
pub(crate) async fn forecast(
    State(state): State<AppState>,
    access: Viewer,
    query: Result<Query<ExportQuery<NoForm>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let (format, NoForm {}) = read(query)?;
    analysed(&state, &access, format, "forecast", |a| {
        Ok(vec![forecast_weeks_table(a.forecast())])
    })
    .await
}

/// `GET /app/{org}/transactions/export`: every transaction the page's filters match, newest
/// first; refused past [`MAX_EXPORT_TRANSACTIONS`] rows, with a message to narrow the filters.
pub(crate) async fn transactions(
    State(state): State<AppState>,
    access: Viewer,
    query: Result<Query<ExportQuery<Filters>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let (format, f) = read(query)?;
    let (filter, error) = f.to_filter();
    if let Some(e) = error {
        return Err(ApiError::BadRequest(e));
    }
    let org = lifecycle::organisation(&state, &access).await?;
    let rows = data::transactions_to_export(&state, &access, &filter)
        .await?
        .ok_or_else(|| {
            ApiError::Unprocessable(format!(
                "More than {MAX_EXPORT_TRANSACTIONS} transactions match: narrow the dates or filters and download again."
            ))
        })?;
    let as_of = rows
        .iter()
        .map(|t| t.posted_on)
        .max()
        .unwrap_or_else(|| chrono::Utc::now().date_naive());
    let currency = org.settings.base_currency;
    Download {
        org_slug: org.slug,
        what: "transactions",
        as_of,
        currency,
        tables: vec![transactions_table(&rows)],
    }
    .respond(format)
}

/// The transactions as the page lists them; `amount` in the organisation's currency as the
/// reports count it (empty when no exchange rate is known), and beside it the amount as held,
/// in minor units of the account's own currency.
fn transactions_table(rows: &[StoredTransaction]) -> Table {
    let mut table = Table::new(
        "Transactions",
        vec![
            "date",
            "account",
            "counterparty",
            "description",
            "category",
            "class",
            "amount",
            "account_currency",
            "account_amount_minor",
        ],
    );
    for t in rows {
        table.rows.push(vec![
            Cell::Date(t.posted_on),
            Cell::text(&t.account),
            Cell::text(&t.counterparty),
            Cell::text(&t.description),
            Cell::text(&t.category),
            Cell::text(t.class.as_str()),
            t.base_amount_minor.map_or(Cell::Empty, Cell::Money),
            Cell::text(&t.currency),
            Cell::Int(t.amount_minor),
        ]);
    }
    table
}

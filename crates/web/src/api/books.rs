//! Reading the books: analytics reports and the transaction list.

use crate::auth::extract::Viewer;
use crate::respond::AcceptsGzip;
use crate::{ApiError, AppState};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use flowsense_core::analytics::{Period, ReportKind, ReportOptions};
use flowsense_service::ai::narratives::shown_insights;
use flowsense_service::analysis::{ReportDocument, org_analysis, read_org_analysis, run_blocking};
use flowsense_service::insights::top_insights;
use flowsense_storage::{TxnCursor, TxnFilter};
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ReportQuery {
    /// First day of the report's range.
    from: Option<NaiveDate>,
    /// Last day of the report's range.
    to: Option<NaiveDate>,
    /// The day the report is made as of (default: today in the organisation's time zone).
    as_of: Option<NaiveDate>,
    /// `day`, `week` or `month` (default `month`).
    #[param(pattern = "^(day|week|month)$")]
    period: Option<String>,
}

/// `GET /api/v1/orgs/{org}/reports/{kind}`: the same document as `flowsense report KIND --format
/// json`, compact instead of indented; gzip-compressed for a client that takes it (the defaults'
/// documents are compressed once per books version, with the analysis).
#[utoipa::path(get, path = "/api/v1/orgs/{org}/reports/{kind}", tag = "books", params(ReportQuery), responses((status = 200, body = serde_json::Value, description = "The report: the document `flowsense report KIND --format json` writes, without its indentation; gzip-compressed (`Content-Encoding: gzip`) when `Accept-Encoding` takes gzip and the document is 1,400 bytes or more")))]
pub(crate) async fn report(
    State(state): State<AppState>,
    access: Viewer,
    Path((_, kind)): Path<(String, String)>,
    AcceptsGzip(gzip): AcceptsGzip,
    query: Result<Query<ReportQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let kind: ReportKind = kind.parse().map_err(|_| ApiError::NotFound)?;
    let period = match q.period.as_deref() {
        None => Period::Month,
        Some(p) => p
            .parse()
            .map_err(|_| ApiError::BadRequest("period must be day, week or month".into()))?,
    };
    let options = ReportOptions {
        as_of: q.as_of,
        from: q.from,
        to: q.to,
        period,
    };
    // Once the report is serialised (the warm-up does it for the defaults) the answer is a
    // copy of shared bytes: no trip to the blocking pool.
    // Boxed: the load of the books on a cold cache is a large future this one need not carry.
    let (_, analysis) = Box::pin(org_analysis(&state, &access)).await?;
    let body = match analysis.ready_report_json(kind, &options) {
        Some(body) => body,
        None => {
            run_blocking(analysis, move |a| {
                let body = a.report_json(kind, &options);
                if gzip { body.compressed() } else { body }
            })
            .await?
        }
    };
    Ok(report_document(body, gzip))
}

/// A report document: private JSON, gzip-compressed when the client takes gzip and the
/// document has a compressed form (the report holds the organisation's own figures and names,
/// never a secret or anything the request sent, so compression leaks nothing BREACH-style).
fn report_document(body: ReportDocument, gzip: bool) -> Response {
    let mut r = match body.gzip.filter(|_| gzip) {
        Some(compressed) => {
            let mut r = compressed.into_response();
            r.headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            r
        }
        None => body.json.into_response(),
    };
    // What is sent depends on the request's Accept-Encoding.
    r.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    private_json(r)
}

/// `GET /api/v1/orgs/{org}/insights`: the latest insights, each with the text to show (the
/// model's narrative when one was written for the books as they are, else the template's), where
/// it comes from, the figures it rests on and the page that explains it.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/insights", tag = "books", responses((status = 200, body = serde_json::Value, description = "`books_version`, `written_for_books_version`, `written_at`, `written_by`, `ai_allowance` and `insights`: each with `kind`, `tone`, `title`, `text`, `source`, `figures`, `link` and `link_text`")))]
pub(crate) async fn insights(
    State(state): State<AppState>,
    access: Viewer,
) -> Result<Response, ApiError> {
    let (org, insights) = read_org_analysis(&state, &access, |a| {
        Vec::clone(&a.view("top insights", top_insights))
    })
    .await?;
    let shown = shown_insights(&state, &org, insights).await?;
    let items: Vec<serde_json::Value> = shown
        .items
        .iter()
        .map(|s| {
            let figures: Vec<serde_json::Value> = s
                .insight
                .figures
                .iter()
                .map(|f| {
                    let mut v = serde_json::to_value(f).unwrap_or_default();
                    v["value"] = f.display().into();
                    v
                })
                .collect();
            serde_json::json!({
                "kind": s.insight.kind,
                "tone": s.insight.tone.as_str(),
                "title": s.insight.title,
                "text": s.text,
                "source": s.source.as_str(),
                "figures": figures,
                "link": format!("/app/{}{}", org.slug, s.insight.page.path()),
                "link_text": s.insight.page.link_text(),
            })
        })
        .collect();
    let body = serde_json::json!({
        "books_version": org.books_version,
        "written_for_books_version": shown.written_by.as_ref().map(|w| w.books_version),
        "written_at": shown.written_by.as_ref().map(|w| w.written_at),
        "written_by": shown.written_by.as_ref().map(|w| serde_json::json!({
            "provider": w.provider,
            "model": w.model,
        })),
        "ai_allowance": shown.allowance_message(),
        "insights": items,
    });
    Ok(private_json(body.to_string()))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct TransactionQuery {
    /// Posted on or after this day.
    from: Option<NaiveDate>,
    /// Posted on or before this day.
    to: Option<NaiveDate>,
    /// An account's name.
    account: Option<String>,
    /// A category, as the reports use it.
    category: Option<String>,
    /// A counterparty, as the reports use it.
    counterparty: Option<String>,
    /// Text in the description or counterparty.
    q: Option<String>,
    /// The previous page's `next_cursor`.
    cursor: Option<String>,
    /// At most this many rows, 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
}

/// `GET /api/v1/orgs/{org}/transactions`: newest first, filtered, with cursor paging.
#[utoipa::path(get, path = "/api/v1/orgs/{org}/transactions", tag = "books", params(TransactionQuery), responses((status = 200, body = flowsense_storage::TxnPage)))]
pub(crate) async fn transactions(
    State(state): State<AppState>,
    access: Viewer,
    query: Result<Query<TransactionQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let cursor = q
        .cursor
        .as_deref()
        .map(|c| TxnCursor::decode(c).ok_or_else(|| ApiError::BadRequest("bad cursor".into())))
        .transpose()?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::BadRequest(
            "limit must be between 1 and 500".into(),
        ));
    }
    let page = flowsense_service::orgs::data::transactions(
        &state,
        &access,
        &TxnFilter {
            from: q.from,
            to: q.to,
            account: q.account,
            category: q.category,
            counterparty: q.counterparty,
            text: q.q,
            cursor,
            limit,
        },
    )
    .await?;
    let json = serde_json::to_string(&page).map_err(ApiError::internal)?;
    Ok(private_json(json))
}

/// Financial data: JSON that no cache may keep.
pub(crate) fn private_json(body: impl IntoResponse) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

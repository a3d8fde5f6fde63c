//! `GET /app/{org}/forecast`: the 13-week forecast (weekly flows and ending cash with its
//! P10–P90 range), how the same method did against a naive forecast on the last 13 weeks, and
//! what-if inputs applied in the engine and shown beside the baseline.

use super::charts::{BandPoint, Chart, band_chart_with};
use super::{Chrome, private};
use crate::auth::extract::Viewer;
use crate::{ApiError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use flowsense_core::OrgId;
use flowsense_core::analytics::{ForecastReport, ForecastStream, forecast_with};
use flowsense_core::format::{money, money_whole, share};
use flowsense_service::analysis::{Analysis, read_org_analysis};
use flowsense_service::whatif::{self, WhatIfInput};

pub(crate) struct WeekRow {
    label: String,
    inflow: String,
    outflow: String,
    net: String,
    p10: String,
    p50: String,
    p90: String,
    low: bool,
    /// The what-if's median ending cash and its difference from the baseline.
    what_if: Option<(String, String, bool)>,
}

pub(crate) struct BacktestRow {
    label: String,
    actual: String,
    forecast: String,
    naive: String,
}

/// One baseline stream's method and why, in plain words.
pub(crate) struct MethodRow {
    stream: &'static str,
    method: &'static str,
    /// Its error in testing on the organisation's own past weeks.
    error: String,
    /// The runners-up with their errors, e.g. "recent average (21.0%)".
    others: String,
}

pub(crate) struct BacktestView {
    cut: String,
    /// Weeks of the backtest whose actual net flow landed inside the likely range.
    inside: String,
    ours: String,
    naive: String,
    ours_better: bool,
    ours_end_error: String,
    naive_end_error: String,
    weeks: Vec<BacktestRow>,
}

pub(crate) struct ForecastView {
    as_of: String,
    /// The first forecast day, `YYYY-MM-DD`.
    first_day: String,
    starting_cash: String,
    ending_p50: String,
    ending_range: String,
    lowest: String,
    lowest_when: String,
    lowest_below_zero: bool,
    chart: Chart,
    chart_desc: String,
    weeks: Vec<WeekRow>,
    backtest: Option<BacktestView>,
    seasonal: bool,
    history_weeks: usize,
    methods: Vec<MethodRow>,
    /// Past weeks the whole forecast was rebuilt at for its likely range.
    origins: usize,
    /// How often the whole forecast's likely range held when tested on those weeks.
    coverage: Option<String>,
    /// The what-if's ending cash, its difference, and the changes it made.
    what_if: Option<(String, String, bool)>,
    changes: Vec<String>,
    recurring: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "forecast.html")]
struct ForecastPage {
    chrome: Chrome,
    org_id: OrgId,
    org_name: String,
    has_data: bool,
    w: WhatIfInput,
    error: Option<String>,
    error_field: &'static str,
    v: ForecastView,
}

fn band_points(r: &ForecastReport) -> Vec<BandPoint> {
    let mut points = vec![BandPoint {
        date: r.as_of,
        p10: r.starting_cash,
        p50: r.starting_cash,
        p90: r.starting_cash,
    }];
    points.extend(r.weeks.iter().map(|w| BandPoint {
        date: w.end,
        p10: w.ending_cash.p10,
        p50: w.ending_cash.p50,
        p90: w.ending_cash.p90,
    }));
    points
}

fn signed(v: i64, m: &dyn Fn(i64) -> String) -> String {
    if v > 0 { format!("+{}", m(v)) } else { m(v) }
}

fn backtest_view(a: &Analysis) -> Option<BacktestView> {
    let b = a.forecast().backtest.as_ref()?;
    let c = a.currency();
    let wape = |bp: Option<i64>| bp.map_or_else(|| "—".to_owned(), share);
    let inside = b
        .weeks
        .iter()
        .filter(|w| w.forecast_net_low <= w.actual_net && w.actual_net <= w.forecast_net_high)
        .count();
    Some(BacktestView {
        cut: b.cut.format("%-d %b %Y").to_string(),
        inside: format!("{inside} of {}", b.weeks.len()),
        ours: wape(b.forecast_wape_bp),
        naive: wape(b.naive_wape_bp),
        ours_better: matches!((b.forecast_wape_bp, b.naive_wape_bp), (Some(o), Some(n)) if o < n),
        ours_end_error: signed(b.forecast_ending_cash_error, &|v| money_whole(v, c)),
        naive_end_error: signed(b.naive_ending_cash_error, &|v| money_whole(v, c)),
        weeks: b
            .weeks
            .iter()
            .map(|w| BacktestRow {
                label: w.end.format("%-d %b").to_string(),
                actual: money(w.actual_net, c),
                forecast: money(w.forecast_net, c),
                naive: money(w.naive_net, c),
            })
            .collect(),
    })
}

fn method_rows(r: &ForecastReport) -> Vec<MethodRow> {
    let error = |bp: Option<i64>| bp.map_or_else(|| "—".to_owned(), share);
    r.model
        .streams
        .iter()
        .map(|s| MethodRow {
            stream: match s.stream {
                ForecastStream::OtherIn => "Other money in",
                ForecastStream::OtherOut => "Other money out",
                ForecastStream::InvoicesPaid => "Invoices paid to you (not yet issued)",
                ForecastStream::BillsPaid => "Bills you pay (not yet received)",
            },
            method: s.chosen.description,
            error: error(s.chosen.wape_bp),
            others: s
                .runners_up
                .iter()
                .map(|o| format!("{} ({})", o.description, error(o.wape_bp)))
                .collect::<Vec<_>>()
                .join(", "),
        })
        .collect()
}

/// The page's figures: the cached baseline, and `scenario`'s forecast beside it when given.
fn build(a: &Analysis, what_if: Option<(&ForecastReport, Vec<String>)>) -> ForecastView {
    let base = a.forecast();
    let c = a.currency();
    let m = |v: i64| money(v, c);
    let mw = |v: i64| money_whole(v, c);
    let overlay: Vec<(NaiveDate, i64)> = what_if.as_ref().map_or_else(Vec::new, |(r, _)| {
        band_points(r).iter().map(|p| (p.date, p.p50)).collect()
    });
    let last = base.weeks.last();
    let lowest = base.weeks.iter().min_by_key(|w| w.ending_cash.p50);
    let weeks = base
        .weeks
        .iter()
        .enumerate()
        .map(|(k, w)| WeekRow {
            label: format!("{} – {}", w.start.format("%-d %b"), w.end.format("%-d %b")),
            inflow: m(w.inflow.p50),
            outflow: m(w.outflow.p50),
            net: m(w.net.p50),
            p10: m(w.ending_cash.p10),
            p50: m(w.ending_cash.p50),
            p90: m(w.ending_cash.p90),
            low: w.ending_cash.p10 < 0,
            what_if: what_if.as_ref().and_then(|(r, _)| r.weeks.get(k)).map(|s| {
                let diff = s.ending_cash.p50.saturating_sub(w.ending_cash.p50);
                (m(s.ending_cash.p50), signed(diff, &m), diff >= 0)
            }),
        })
        .collect();
    let chart_desc = match last {
        Some(w) => format!(
            "Forecast of cash over {} weeks from {}: median {} by {}, with an 80% range of {} to {}.{}",
            base.weeks.len(),
            base.as_of.format("%-d %b %Y"),
            mw(w.ending_cash.p50),
            w.end.format("%-d %b %Y"),
            mw(w.ending_cash.p10),
            mw(w.ending_cash.p90),
            what_if
                .as_ref()
                .and_then(|(r, _)| r.weeks.last())
                .map(|s| format!(
                    " With the what-if, the median ends at {}.",
                    mw(s.ending_cash.p50)
                ))
                .unwrap_or_default()
        ),
        None => "No forecast: there is not enough history yet.".into(),
    };
    let (what_if_end, changes) = match what_if {
        Some((r, changes)) => {
            let end = r
                .weeks
                .last()
                .map_or(r.starting_cash, |w| w.ending_cash.p50);
            let base_end = last.map_or(base.starting_cash, |w| w.ending_cash.p50);
            let diff = end.saturating_sub(base_end);
            (Some((mw(end), signed(diff, &mw), diff >= 0)), changes)
        }
        None => (None, Vec::new()),
    };
    let mut recurring = a.active_recurring_names();
    recurring.sort();
    ForecastView {
        as_of: base.as_of.format("%-d %B %Y").to_string(),
        first_day: (base.as_of.succ_opt().unwrap_or(base.as_of))
            .format("%Y-%m-%d")
            .to_string(),
        starting_cash: mw(base.starting_cash),
        ending_p50: last.map_or_else(|| "—".into(), |w| mw(w.ending_cash.p50)),
        ending_range: last.map_or_else(String::new, |w| {
            format!("{} to {}", mw(w.ending_cash.p10), mw(w.ending_cash.p90))
        }),
        lowest: lowest.map_or_else(|| "—".into(), |w| mw(w.ending_cash.p50)),
        lowest_when: lowest.map_or_else(String::new, |w| w.end.format("%-d %b").to_string()),
        lowest_below_zero: lowest.is_some_and(|w| w.ending_cash.p50 < 0),
        chart: band_chart_with(&band_points(base), &overlay, c),
        chart_desc,
        weeks,
        backtest: backtest_view(a),
        seasonal: base.yearly_seasonality,
        history_weeks: base.history_weeks,
        methods: method_rows(base),
        origins: base.model.origins,
        coverage: base.model.coverage_bp.map(share),
        what_if: what_if_end,
        changes,
        recurring,
    }
}

/// Reads the what-if form and computes the page: the scenario's forecast when the form holds
/// one, the form's error otherwise (the baseline is shown either way).
fn compute(a: &Analysis, input: &WhatIfInput) -> (ForecastView, Option<whatif::WhatIfError>) {
    if input.is_empty() {
        return (build(a, None), None);
    }
    let names = a.active_recurring_names();
    let c = a.currency();
    let money_of = |v: i64| money(v, c);
    let ctx = whatif::Context {
        as_of: a.as_of,
        currency: c,
        recurring: &names,
        money: &money_of,
    };
    match whatif::read(input, &ctx) {
        Ok(w) => {
            let report = forecast_with(&a.books, a.as_of, &w.scenario);
            (build(a, Some((&report, w.changes))), None)
        }
        Err(e) => (build(a, None), Some(e)),
    }
}

/// `GET /app/{org}/forecast`, with the what-if form's fields in the query.
pub(crate) async fn forecast(
    State(state): State<AppState>,
    access: Viewer,
    query: Result<Query<WhatIfInput>, QueryRejection>,
) -> Result<Response, ApiError> {
    let bad_query = query.is_err();
    let w = query.map(|Query(q)| q).unwrap_or_default();
    let input = w.clone();
    let (org, (has_data, v, error)) = read_org_analysis(&state, &access, move |a| {
        let (v, e) = compute(a, &input);
        (a.has_data(), v, e)
    })
    .await?;
    let (error, error_field) = match (bad_query, error) {
        (true, _) => (
            Some("The form could not be read; try again.".to_owned()),
            "",
        ),
        (false, Some(e)) => (Some(e.message), e.field),
        (false, None) => (None, ""),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = ForecastPage {
        chrome: Chrome::for_user(&state, &access.current, Some(access.org), "forecast").await?,
        org_id: access.org,
        org_name: org.name,
        has_data,
        w,
        error,
        error_field,
        v,
    };
    Ok(private((status, page).into_response()))
}

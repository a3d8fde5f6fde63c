//! `GET /app/{org}/forecast`: the 13-week forecast in plain words — one cash line from the last
//! 13 weeks into the next 13 with its likely range, the lowest point (today's cash included),
//! how close the same method came on the last 13 weeks — with a what-if applied beside it, the
//! saved scenarios (two compared beside the baseline) and the owner's planned amounts, which
//! the forecast includes. The forms that change them are in [`super::forecast_forms`].

use super::charts::{BandPoint, Chart, cash_chart};
use super::{Chrome, private};
use crate::auth::extract::Viewer;
use crate::org_path::OrgPath;
use crate::{ApiError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, TimeDelta};
use flowsense_core::analytics::{ForecastReport, ForecastStream, cash_position};
use flowsense_core::format::{money, money_whole, money_whole_size, share};
use flowsense_core::{Repeat, Role};
use flowsense_service::analysis::{Analysis, read_org_analysis};
use flowsense_service::orgs::OrgAccess;
use flowsense_service::planned;
use flowsense_service::whatif::saved::{self, Outcome, Saved};
use flowsense_service::whatif::{self, WhatIfInput};
use serde::Deserialize;
use uuid::Uuid;

/// Weeks of actual cash drawn before today on the chart.
const HISTORY_WEEKS: i64 = 13;

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
    /// What the forecast made at the cut expected cash to be at the end, what it was, and by
    /// how much it missed, in money and as a share of the money that moved meanwhile.
    expected_end: String,
    actual_end: String,
    off_by: String,
    off_share: String,
    naive_off_by: String,
    /// "close", "fair" or "rough", from that share.
    rating: &'static str,
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
    /// "today" or the day of the lowest point.
    lowest_when: String,
    lowest_below_zero: bool,
    /// The first week expected cash falls below zero, when it does.
    runs_out: Option<String>,
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
    /// The baseline and the compared scenarios, summed up side by side (empty when none).
    comparison: Vec<CompareRow>,
}

/// One line of the comparison: the baseline or a saved scenario.
pub(crate) struct CompareRow {
    name: String,
    /// `baseline`, `first` or `second` (its line on the chart).
    line: &'static str,
    lowest: String,
    lowest_when: String,
    last_week: String,
    runs_out: String,
    /// Why a saved scenario no longer reads against the books, instead of figures.
    error: Option<String>,
}

/// A planned amount as the page lists it.
pub(crate) struct PlannedRow {
    id: Uuid,
    name: String,
    when: String,
    amount: String,
    money_in: bool,
    confidence: String,
    expected: String,
}

/// A saved scenario as the page lists it.
pub(crate) struct ScenarioRow {
    id: Uuid,
    name: String,
    shown: bool,
}

/// What the forms on the page were sent, and what was wrong with it, when a post is refused.
#[derive(Default)]
pub(crate) struct FormState {
    pub(crate) planned: planned::PlannedInput,
    /// `(field, message)` of a refused planned amount.
    pub(crate) planned_error: Option<(&'static str, String)>,
    pub(crate) scenario_name: String,
    pub(crate) scenario_error: Option<String>,
}

/// The page's query: the what-if form, a saved scenario to show, two to compare.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ForecastQuery {
    #[serde(flatten)]
    pub(crate) w: WhatIfInput,
    /// A saved scenario whose inputs fill the what-if form.
    #[serde(default)]
    pub(crate) scenario: String,
    /// Two saved scenarios to compare beside the baseline.
    #[serde(default)]
    pub(crate) compare: String,
    #[serde(default)]
    pub(crate) with: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "forecast.html")]
struct ForecastPage {
    chrome: Chrome,
    csrf: String,
    org_id: OrgPath,
    org_name: String,
    has_data: bool,
    /// Members and admins change planned amounts and scenarios; viewers read them.
    can_edit: bool,
    w: WhatIfInput,
    error: Option<String>,
    error_field: &'static str,
    v: ForecastView,
    /// The download of the baseline's weeks, without its `format=`.
    export_link: String,
    planned: Vec<PlannedRow>,
    scenarios: Vec<ScenarioRow>,
    compare: String,
    with: String,
    f: FormState,
    repeats: [(&'static str, &'static str); 5],
    max_planned: usize,
    max_scenarios: usize,
}

impl ForecastPage {
    fn planned_error_for(&self, field: &str) -> Option<&str> {
        self.f
            .planned_error
            .as_ref()
            .filter(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
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

/// How far off a forecast's ending cash was, as a share of the money that moved (in and out,
/// transfers left out) over the weeks it forecast: a plain measure that stays meaningful when
/// the net flow is near zero. `None` when nothing moved.
fn off_share_bp(a: &Analysis, from: NaiveDate, to: NaiveDate, error: i64) -> Option<i64> {
    let moved: i128 = a
        .books
        .txns
        .iter()
        .filter(|t| !t.transfer && t.date > from && t.date <= to)
        .map(|t| i128::from(t.amount).abs())
        .sum();
    (moved > 0).then(|| i64::try_from(i128::from(error).abs() * 10_000 / moved).unwrap_or(i64::MAX))
}

/// A rating an owner reads at a glance, from [`off_share_bp`].
fn rating(share_bp: Option<i64>) -> &'static str {
    match share_bp {
        Some(bp) if bp <= 500 => "close",
        Some(bp) if bp <= 1_500 => "fair",
        Some(_) => "rough",
        None => "untested",
    }
}

fn backtest_view(a: &Analysis) -> Option<BacktestView> {
    let b = a.forecast().backtest.as_ref()?;
    let c = a.currency();
    let end = b.weeks.last().map_or(b.cut, |w| w.end);
    let off = off_share_bp(a, b.cut, end, b.forecast_ending_cash_error);
    let wape = |bp: Option<i64>| bp.map_or_else(|| "—".to_owned(), share);
    let inside = b
        .weeks
        .iter()
        .filter(|w| w.forecast_net_low <= w.actual_net && w.actual_net <= w.forecast_net_high)
        .count();
    Some(BacktestView {
        cut: b.cut.format("%-d %b %Y").to_string(),
        expected_end: money_whole(
            b.actual_ending_cash
                .saturating_add(b.forecast_ending_cash_error),
            c,
        ),
        actual_end: money_whole(b.actual_ending_cash, c),
        off_by: money_whole_size(b.forecast_ending_cash_error, c),
        off_share: off.map_or_else(|| "—".to_owned(), share),
        naive_off_by: money_whole_size(b.naive_ending_cash_error, c),
        rating: rating(off),
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

/// A compared scenario: its name, and its forecast or why it no longer reads.
pub(crate) type Compared = (String, Result<ForecastReport, String>);

fn describe(o: &Outcome, as_of: NaiveDate, m: &dyn Fn(i64) -> String) -> [String; 4] {
    [
        m(o.lowest),
        if o.lowest_on == as_of {
            "today".to_owned()
        } else {
            o.lowest_on.format("%-d %b %Y").to_string()
        },
        m(o.last_week),
        o.runs_out_on.map_or_else(
            || "does not run out".to_owned(),
            |d| format!("week ending {}", d.format("%-d %b %Y")),
        ),
    ]
}

fn compare_rows(
    base: &ForecastReport,
    compared: &[Compared],
    m: &dyn Fn(i64) -> String,
) -> Vec<CompareRow> {
    if compared.is_empty() {
        return Vec::new();
    }
    let row = |name: String, line, r: &ForecastReport| {
        let [lowest, lowest_when, last_week, runs_out] = describe(&saved::outcome(r), r.as_of, m);
        CompareRow {
            name,
            line,
            lowest,
            lowest_when,
            last_week,
            runs_out,
            error: None,
        }
    };
    let mut rows = vec![row("Baseline".to_owned(), "baseline", base)];
    for ((name, report), line) in compared.iter().zip(["first", "second"]) {
        rows.push(match report {
            Ok(r) => row(name.clone(), line, r),
            Err(e) => CompareRow {
                name: name.clone(),
                line,
                lowest: String::new(),
                lowest_when: String::new(),
                last_week: String::new(),
                runs_out: String::new(),
                error: Some(e.clone()),
            },
        });
    }
    rows
}

/// The page's figures: the cached baseline, a what-if's forecast beside it when given, and the
/// compared scenarios' when given (drawn instead of the what-if).
fn build(
    a: &Analysis,
    what_if: Option<(&ForecastReport, Vec<String>)>,
    compared: &[Compared],
) -> ForecastView {
    let base = a.forecast();
    let c = a.currency();
    let m = |v: i64| money(v, c);
    let mw = |v: i64| money_whole(v, c);
    let medians = |r: &ForecastReport| -> Vec<(NaiveDate, i64)> {
        band_points(r).iter().map(|p| (p.date, p.p50)).collect()
    };
    let overlays: Vec<Vec<(NaiveDate, i64)>> = if compared.is_empty() {
        what_if.iter().map(|(r, _)| medians(r)).collect()
    } else {
        compared
            .iter()
            .map(|(_, r)| r.as_ref().map(&medians).unwrap_or_default())
            .collect()
    };
    let overlay_refs: Vec<&[(NaiveDate, i64)]> = overlays.iter().map(Vec::as_slice).collect();
    let history: Vec<(NaiveDate, i64)> = if a.has_data() {
        let from = base.as_of - TimeDelta::weeks(HISTORY_WEEKS);
        cash_position(&a.books, Some(from), Some(base.as_of))
            .days
            .iter()
            .map(|d| (d.date, d.total))
            .collect()
    } else {
        Vec::new()
    };
    let last = base.weeks.last();
    let outcome = saved::outcome(base);
    let [lowest, lowest_when, _, _] = describe(&outcome, base.as_of, &mw);
    let weeks = base
        .weeks
        .iter()
        .enumerate()
        .map(|(k, w)| WeekRow {
            label: format!(
                "{} – {}",
                w.start.format("%-d %b"),
                w.end.format("%-d %b %Y")
            ),
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
            "Cash over the last {HISTORY_WEEKS} weeks, then expected over the next {} from {}: \
             {} by {}, likely between {} and {}; lowest {} ({}).{}",
            base.weeks.len(),
            base.as_of.format("%-d %b %Y"),
            mw(w.ending_cash.p50),
            w.end.format("%-d %b %Y"),
            mw(w.ending_cash.p10),
            mw(w.ending_cash.p90),
            lowest,
            lowest_when,
            what_if
                .as_ref()
                .and_then(|(r, _)| r.weeks.last())
                .map(|s| format!(
                    " With the what-if, expected cash ends at {}.",
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
        lowest,
        lowest_when,
        lowest_below_zero: outcome.lowest < 0,
        runs_out: outcome
            .runs_out_on
            .map(|d| d.format("%-d %b %Y").to_string()),
        chart: cash_chart(&history, &band_points(base), &overlay_refs, c),
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
        comparison: compare_rows(base, compared, &mw),
    }
}

/// Reads the what-if form and computes the page: the scenario's forecast when the form holds
/// one, the form's error otherwise (the baseline is shown either way), and the compared saved
/// scenarios.
fn compute(
    a: &Analysis,
    input: &WhatIfInput,
    compared: &[Saved],
) -> (ForecastView, Option<whatif::WhatIfError>) {
    let compared: Vec<Compared> = compared
        .iter()
        .map(|s| {
            let report = whatif::forecast_of(a, &s.input)
                .map(|(r, _)| r)
                .map_err(|e| format!("No longer applies: {e}"));
            (s.name.clone(), report)
        })
        .collect();
    if input.is_empty() {
        return (build(a, None, &compared), None);
    }
    match whatif::forecast_of(a, input) {
        Ok((report, changes)) => (build(a, Some((&report, changes)), &compared), None),
        Err(e) => (build(a, None, &compared), Some(e)),
    }
}

fn planned_rows(
    items: Vec<flowsense_storage::PlannedItem>,
    c: flowsense_core::Currency,
) -> Vec<PlannedRow> {
    items
        .into_iter()
        .map(|i| {
            let f = i.flow;
            let when = match (f.repeat, f.until) {
                (Repeat::None, _) => f.first.format("%-d %b %Y").to_string(),
                (r, until) => format!(
                    "{} from {}{}",
                    match r {
                        Repeat::Weekly => "Every week",
                        Repeat::Monthly => "Every month",
                        Repeat::Quarterly => "Every quarter",
                        _ => "Every year",
                    },
                    f.first.format("%-d %b %Y"),
                    until
                        .map(|u| format!(" to {}", u.format("%-d %b %Y")))
                        .unwrap_or_default()
                ),
            };
            PlannedRow {
                id: i.id,
                name: i.name,
                when,
                amount: money(f.amount, c),
                money_in: f.amount > 0,
                confidence: format!("{}%", f.confidence_percent),
                expected: money(f.expected_amount(), c),
            }
        })
        .collect()
}

/// Renders the page for `access` (its pages at `/app/{path}`) with `query` and, after a
/// refused post, what was sent.
pub(crate) async fn render(
    state: &AppState,
    access: &OrgAccess,
    path: &OrgPath,
    query: ForecastQuery,
    bad_query: bool,
    f: FormState,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let saved_list = saved::list(state, access).await?;
    let find = |id: &str| -> Option<Saved> {
        let id: Uuid = id.trim().parse().ok()?;
        saved_list.iter().find(|s| s.id == id).cloned()
    };
    let shown = find(&query.scenario);
    let w = match &shown {
        Some(s) if query.w.is_empty() => s.input.clone(),
        _ => query.w.clone(),
    };
    let compared: Vec<Saved> = [&query.compare, &query.with]
        .into_iter()
        .filter_map(|id| find(id))
        .collect();
    let items = planned::list(state, access).await?;
    let input = w.clone();
    let (org, (has_data, v, error, currency)) = read_org_analysis(state, access, move |a| {
        let (v, e) = compute(a, &input, &compared);
        (a.has_data(), v, e, a.currency())
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
    let status = if error.is_some() && status == StatusCode::OK {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        status
    };
    let chrome = Chrome::for_user(state, &access.current, Some(access.org), "forecast").await?;
    let page = ForecastPage {
        export_link: format!("/app/{}/forecast/export?", path),
        csrf: chrome.csrf_token.clone().unwrap_or_default(),
        chrome,
        org_id: path.clone(),
        org_name: org.name,
        has_data,
        can_edit: access.role >= Role::Member,
        w,
        error,
        error_field,
        v,
        planned: planned_rows(items, currency),
        scenarios: saved_list
            .iter()
            .map(|s| ScenarioRow {
                id: s.id,
                name: s.name.clone(),
                shown: shown.as_ref().is_some_and(|x| x.id == s.id),
            })
            .collect(),
        compare: query.compare.trim().to_owned(),
        with: query.with.trim().to_owned(),
        f,
        repeats: [
            ("none", "Once"),
            ("weekly", "Every week"),
            ("monthly", "Every month"),
            ("quarterly", "Every quarter"),
            ("yearly", "Every year"),
        ],
        max_planned: planned::MAX_PLANNED_ITEMS,
        max_scenarios: saved::MAX_SAVED_SCENARIOS,
    };
    Ok(private((status, page).into_response()))
}

/// `GET /app/{org}/forecast`, with the what-if form's fields, a saved scenario to show or two
/// to compare in the query.
pub(crate) async fn forecast(
    State(state): State<AppState>,
    access: Viewer,
    query: Result<Query<ForecastQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let bad_query = query.is_err();
    let q = query.map(|Query(q)| q).unwrap_or_default();
    render(
        &state,
        &access,
        &access.path,
        q,
        bad_query,
        FormState::default(),
        StatusCode::OK,
    )
    .await
}

//! `GET /app/{org}/cashflow`: money in, out and net per month or week over a range, as bars and
//! as a table, with the categories or counterparties that move the most.

use super::charts::{BarChart, BarGroup, BarLayout, Series, bar_chart};
use super::{Chrome, encode, private};
use crate::auth::extract::Viewer;
use crate::org_path::OrgPath;
use crate::{ApiError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, Months, NaiveDate, TimeDelta};
use flowsense_core::analytics::cashflow::NamedFlow;
use flowsense_core::analytics::{Period, cashflow as cashflow_report, flow_shares};
use flowsense_core::format::{money, share, share_value};
use flowsense_service::analysis::{Analysis, read_org_analysis};
use serde::Deserialize;

/// Longest ranges drawn at once.
const MAX_MONTHS: i64 = 120;
const MAX_WEEKS: i64 = 260;
/// Names listed before the rest are summed up.
const TOP_NAMES: usize = 10;

const IN_OUT: [Series; 2] = [
    Series {
        class: "bar-in",
        name: "Money in",
        short: "In",
    },
    Series {
        class: "bar-out",
        name: "Money out",
        short: "Out",
    },
];

/// The form's fields, echoed back as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct CashflowQuery {
    #[serde(default)]
    period: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    split: String,
}

impl CashflowQuery {
    /// Nothing filled in: the page as first opened.
    fn is_empty(&self) -> bool {
        [&self.period, &self.from, &self.to, &self.split]
            .iter()
            .all(|f| f.trim().is_empty())
    }
}

#[derive(Clone)]
pub(crate) struct PeriodRow {
    label: String,
    inflow: String,
    outflow: String,
    net: String,
    net_up: bool,
}

#[derive(Clone)]
pub(crate) struct NameRow {
    name: String,
    link: Option<String>,
    inflow: String,
    outflow: String,
    net: String,
    net_up: bool,
    /// Shares of the range's money in and out (each column of all names adds up to 100%),
    /// and the money-out share as the `<meter>`'s value (0–100).
    in_share: String,
    out_share: String,
    out_meter: String,
}

/// What the page shows below the form (absent when the form has an error).
#[derive(Clone)]
pub(crate) struct CashflowView {
    range: String,
    total_in: String,
    total_out: String,
    net: String,
    net_up: bool,
    chart: BarChart,
    chart_desc: String,
    periods: Vec<PeriodRow>,
    names: Vec<NameRow>,
    others: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "cashflow.html")]
struct CashflowPage {
    chrome: Chrome,
    org_id: OrgPath,
    org_name: String,
    q: CashflowQuery,
    week: bool,
    by_counterparty: bool,
    has_data: bool,
    error: Option<String>,
    view: Option<CashflowView>,
    /// The download of the tables shown, without its `format=`.
    export_link: String,
}

/// A valid request: period and inclusive range.
pub(super) struct Ask {
    pub period: Period,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub by_counterparty: bool,
}

fn parse_date(field: &str, s: &str) -> Result<Option<NaiveDate>, String> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| {
            let shown: String = t.chars().take(40).collect();
            format!("The {field} date “{shown}” is not a date (YYYY-MM-DD).")
        })
}

/// Reads the form against the books' last day, filling in defaults: the last 12 months, or the
/// last 13 weeks.
pub(super) fn ask(q: &CashflowQuery, as_of: NaiveDate) -> Result<Ask, String> {
    let period = match q.period.trim() {
        "" | "month" => Period::Month,
        "week" => Period::Week,
        _ => return Err("Choose months or weeks.".into()),
    };
    let by_counterparty = match q.split.trim() {
        "" | "category" => false,
        "counterparty" => true,
        _ => return Err("Split by category or by counterparty.".into()),
    };
    let to = parse_date("end", &q.to)?.unwrap_or(as_of);
    let default_from = match period {
        Period::Week => {
            let back = TimeDelta::days(i64::from(to.weekday().num_days_from_monday()))
                + TimeDelta::weeks(12);
            to.checked_sub_signed(back).unwrap_or(NaiveDate::MIN)
        }
        _ => to
            .with_day(1)
            .and_then(|d| d.checked_sub_months(Months::new(11)))
            .unwrap_or(to),
    };
    let from = parse_date("start", &q.from)?.unwrap_or(default_from);
    if from > to {
        return Err("The start date is after the end date.".into());
    }
    let (count, max, unit) = match period {
        Period::Week => ((to - from).num_days() / 7 + 1, MAX_WEEKS, "weeks"),
        _ => (
            (i64::from(to.year()) - i64::from(from.year())) * 12 + i64::from(to.month())
                - i64::from(from.month())
                + 1,
            MAX_MONTHS,
            "months",
        ),
    };
    if count > max {
        return Err(format!(
            "Choose a shorter range: at most {max} {unit} at a time."
        ));
    }
    Ok(Ask {
        period,
        from,
        to,
        by_counterparty,
    })
}

/// A period's label on the chart's axis (with its year on the first period and at a new
/// year), whether that label names the year, and its full name.
fn period_labels(period: Period, start: NaiveDate, first: bool) -> (String, bool, String) {
    match period {
        Period::Week => {
            let new_year = first || (start.month() == 1 && start.day() <= 7);
            (
                if new_year {
                    start.format("%-d %b %Y").to_string()
                } else {
                    start.format("%-d %b").to_string()
                },
                new_year,
                format!("Week of {}", start.format("%-d %b %Y")),
            )
        }
        _ => {
            let new_year = first || start.month() == 1;
            (
                if new_year {
                    start.format("%b %Y").to_string()
                } else {
                    start.format("%b").to_string()
                },
                new_year,
                start.format("%B %Y").to_string(),
            )
        }
    }
}

fn name_rows(
    names: &[NamedFlow],
    org: &OrgPath,
    by_counterparty: bool,
    a: &Analysis,
) -> Vec<NameRow> {
    let c = a.currency();
    names
        .iter()
        .zip(flow_shares(names))
        .take(TOP_NAMES)
        .map(|(n, s)| {
            let filter = if by_counterparty {
                "counterparty"
            } else {
                "category"
            };
            NameRow {
                link: (n.name != "(unknown)")
                    .then(|| format!("/app/{org}/transactions?{filter}={}", encode(&n.name))),
                name: n.name.clone(),
                inflow: money(n.flow.inflow, c),
                outflow: money(n.flow.outflow, c),
                net: money(n.flow.net, c),
                net_up: n.flow.net >= 0,
                in_share: share(s.inflow_bp),
                out_share: share(s.outflow_bp),
                out_meter: share_value(s.outflow_bp),
            }
        })
        .collect()
}

fn build(a: &Analysis, org: &OrgPath, q: &CashflowQuery) -> Result<CashflowView, String> {
    let ask = ask(q, a.as_of)?;
    let c = a.currency();
    let r = cashflow_report(&a.books, Some(ask.from), Some(ask.to), ask.period);
    let mut groups = Vec::with_capacity(r.periods.len());
    let mut periods = Vec::with_capacity(r.periods.len());
    for (i, p) in r.periods.iter().enumerate() {
        let (short, has_year, long) = period_labels(ask.period, p.start, i == 0);
        groups.push(BarGroup {
            label: short,
            name: long.clone(),
            label_has_year: has_year,
            values: vec![p.flow.inflow, p.flow.outflow],
        });
        periods.push(PeriodRow {
            label: long,
            inflow: money(p.flow.inflow, c),
            outflow: money(p.flow.outflow, c),
            net: money(p.flow.net, c),
            net_up: p.flow.net >= 0,
        });
    }
    let nets: Vec<i64> = r.periods.iter().map(|p| p.flow.net).collect();
    let unit = if ask.period == Period::Week {
        "week"
    } else {
        "month"
    };
    let range = format!(
        "{} to {}",
        ask.from.format("%-d %b %Y"),
        ask.to.format("%-d %b %Y")
    );
    let best_in = r.periods.iter().max_by_key(|p| p.flow.inflow);
    let worst_out = r.periods.iter().min_by_key(|p| p.flow.outflow);
    let chart_desc = match (best_in, worst_out) {
        (Some(i), Some(o)) => format!(
            "Money in and out per {unit} from {range}, with the net as a line. Most money in: {} in the {unit} of {}. Most money out: {} in the {unit} of {}. Net over the range: {}.",
            money(i.flow.inflow, c),
            i.start.format("%-d %b %Y"),
            money(o.flow.outflow, c),
            o.start.format("%-d %b %Y"),
            money(r.total.net, c)
        ),
        _ => format!("No money moved from {range}."),
    };
    let names = if ask.by_counterparty {
        &r.by_counterparty
    } else {
        &r.by_category
    };
    let rest = names.len().saturating_sub(TOP_NAMES);
    Ok(CashflowView {
        total_in: money(r.total.inflow, c),
        total_out: money(r.total.outflow, c),
        net: money(r.total.net, c),
        net_up: r.total.net >= 0,
        chart: bar_chart(
            &groups,
            &IN_OUT,
            BarLayout::Stacked,
            Some(("Net", &nets)),
            c,
        ),
        chart_desc,
        periods,
        names: name_rows(names, org, ask.by_counterparty, a),
        others: (rest > 0).then(|| {
            let unlisted = flow_shares(names).into_iter().skip(TOP_NAMES);
            let (in_bp, out_bp) =
                unlisted.fold((0, 0), |(i, o), s| (i + s.inflow_bp, o + s.outflow_bp));
            format!(
                "{rest} more {} not listed: {} of the money in and {} of the money out.",
                if ask.by_counterparty {
                    "counterparties"
                } else {
                    "categories"
                },
                share(in_bp),
                share(out_bp)
            )
        }),
        range,
    })
}

/// `GET /app/{org}/cashflow`.
pub(crate) async fn cashflow(
    State(state): State<AppState>,
    access: Viewer,
    query: Result<Query<CashflowQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let bad_query = query.is_err();
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let (path, sent) = (access.path.clone(), q.clone());
    let (org, (has_data, built)) = read_org_analysis(&state, &access, move |a| {
        // The page as first opened is computed once per books version; a filled-in form is
        // computed for its own range.
        let built = if sent.is_empty() {
            a.view("cash flow page", |a| {
                build(a, &path, &CashflowQuery::default())
            })
            .as_ref()
            .clone()
        } else {
            build(a, &path, &sent)
        };
        (a.has_data(), built)
    })
    .await?;
    let (view, error) = match built {
        _ if bad_query => (
            None,
            Some("The form could not be read; try again.".to_owned()),
        ),
        Ok(v) => (Some(v), None),
        Err(e) => (None, Some(e)),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let export_link = format!(
        "/app/{}/cashflow/export?period={}&from={}&to={}&split={}&",
        access.path,
        encode(q.period.trim()),
        encode(q.from.trim()),
        encode(q.to.trim()),
        encode(q.split.trim())
    );
    let page = CashflowPage {
        export_link,
        chrome: Chrome::for_user(&state, &access.current, Some(access.org), "cashflow").await?,
        org_id: access.path.clone(),
        org_name: org.name,
        week: q.period.trim() == "week",
        by_counterparty: q.split.trim() == "counterparty",
        q,
        has_data,
        error,
        view,
    };
    Ok(private((status, page).into_response()))
}

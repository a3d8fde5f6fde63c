//! The dashboard's figures: the organisation's cached analysis (the same reports the JSON API
//! serves) turned into display strings and chart geometry, with the top insights.

use super::charts::{BandPoint, Chart, band_chart, line_chart};
use crate::org_path::OrgPath;
use chrono::{Datelike, Months, NaiveDate, TimeDelta};
use flowsense_core::Books;
use flowsense_core::analytics::{Period, RunwayStatus, cash_position, cashflow, default_as_of};
use flowsense_core::format::{money_size, money_whole, money_whole_size, percent};
use flowsense_service::ai::narratives::{ShownInsights, TextSource};
use flowsense_service::analysis::Analysis;

/// A headline figure with a comparison.
#[derive(Clone)]
pub struct Kpi {
    pub value: String,
    pub note: String,
    /// `up`, `down` or empty: the CSS class of the note.
    pub trend: &'static str,
}

#[derive(Clone)]
pub struct AnomalyRow {
    pub title: String,
    pub severity: &'static str,
    pub date: String,
}

#[derive(Clone)]
pub struct RecurringRow {
    pub counterparty: String,
    pub cadence: &'static str,
    pub amount: String,
    pub next: String,
    /// "+12.0% since 2026-03-01" when the price moved.
    pub change: Option<String>,
    pub change_up: bool,
}

/// One of the service's top insights, with its link under this organisation: the model's
/// narrative when one was written for these books (with the figures it rests on), else the
/// template's text.
#[derive(Clone)]
pub struct InsightRow {
    /// `bad`, `warn` or `good`: the CSS tone.
    pub tone: &'static str,
    pub title: String,
    pub text: String,
    pub from_model: bool,
    /// The figures it rests on, as (name, value), shown on demand.
    pub figures: Vec<(String, String)>,
    pub link: String,
    pub link_text: &'static str,
}

/// Everything the dashboard shows.
#[derive(Clone)]
pub struct Dashboard {
    pub as_of: String,
    pub has_data: bool,
    pub cash: Kpi,
    pub runway: Kpi,
    /// `status-burning`, `status-out`, `status-ok` or empty.
    pub runway_class: &'static str,
    pub this_month: Kpi,
    pub last_month: Kpi,
    pub cash_chart: Chart,
    pub cash_desc: String,
    pub forecast_chart: Chart,
    pub forecast_desc: String,
    pub anomalies: Vec<AnomalyRow>,
    pub recurring: Vec<RecurringRow>,
    pub monthly_commitment: String,
    pub insights: Vec<InsightRow>,
    /// "anthropic/claude-sonnet-4-6" when narratives of these books are shown.
    pub insights_written_by: Option<String>,
    /// Set when this month's AI allowance is used: what to tell the reader.
    pub ai_allowance: Option<String>,
}

/// `d` with the insights to show (narrated or from templates) of organisation `org`.
#[must_use]
pub fn with_insights(mut d: Dashboard, shown: ShownInsights, org: &OrgPath) -> Dashboard {
    d.ai_allowance = shown.allowance_message();
    d.insights_written_by = shown
        .written_by
        .map(|w| format!("{}/{}", w.provider, w.model));
    d.insights = shown
        .items
        .into_iter()
        .map(|s| InsightRow {
            tone: s.insight.tone.as_str(),
            link: format!("/app/{org}{}", s.insight.page.path()),
            link_text: s.insight.page.link_text(),
            title: s.insight.title,
            text: s.text,
            from_model: s.source == TextSource::Model,
            figures: s
                .insight
                .figures
                .iter()
                .map(|f| (f.name.replace('_', " "), f.display()))
                .collect(),
        })
        .collect();
    d
}

/// Net cash of the month holding `day`, up to `day`, transfers excluded.
fn month_net(books: &Books, first: NaiveDate, last: NaiveDate) -> (i64, i64, i64) {
    let report = cashflow(books, Some(first), Some(last), Period::Month);
    (report.total.inflow, report.total.outflow, report.total.net)
}

/// Computes the dashboard as of the books' last movement. CPU work (on a cold cache): call it
/// off the async threads.
#[must_use]
pub fn build(a: &Analysis) -> Dashboard {
    let books = &a.books;
    let currency = books.currency;
    let m = |v: i64| money_whole(v, currency);
    let as_of = default_as_of(books).unwrap_or_else(|| chrono::Utc::now().date_naive());
    let has_data = !books.txns.is_empty();

    // Cash now, and six months of daily totals.
    let six_months_ago = as_of.checked_sub_months(Months::new(6)).unwrap_or(as_of);
    let position = cash_position(books, Some(six_months_ago), Some(as_of));
    let points: Vec<(NaiveDate, i64)> = position.days.iter().map(|d| (d.date, d.total)).collect();
    let cash_now = points.last().map_or(0, |p| p.1);
    let cash_then = points.first().map_or(0, |p| p.1);
    let change = cash_now.saturating_sub(cash_then);
    let cash = Kpi {
        value: m(cash_now),
        note: format!(
            "{}{} since {}",
            if change >= 0 { "+" } else { "" },
            m(change),
            six_months_ago.format("%-d %b %Y")
        ),
        trend: if change >= 0 { "up" } else { "down" },
    };
    let (lo, hi) = (
        points.iter().map(|p| p.1).min().unwrap_or(0),
        points.iter().map(|p| p.1).max().unwrap_or(0),
    );
    let cash_desc = format!(
        "Daily total cash from {} to {}: started at {}, ended at {}, lowest {}, highest {}.",
        six_months_ago.format("%-d %b %Y"),
        as_of.format("%-d %b %Y"),
        m(cash_then),
        m(cash_now),
        m(lo),
        m(hi)
    );

    // Runway and burn.
    let r = a.runway();
    let (runway_kpi, runway_class) = match r.status {
        RunwayStatus::Burning {
            average_monthly_burn,
            months_of_runway,
            cash_runs_out_on,
        } => (
            Kpi {
                value: format!("{months_of_runway:.1} months of runway"),
                note: format!(
                    "Burning {} a month; cash runs out around {}",
                    m(average_monthly_burn),
                    cash_runs_out_on.format("%-d %b %Y")
                ),
                trend: "down",
            },
            "status-burning",
        ),
        RunwayStatus::OutOfCash {
            average_monthly_burn,
        } => (
            Kpi {
                value: "Out of cash".into(),
                note: format!("Burning {} a month", m(average_monthly_burn)),
                trend: "down",
            },
            "status-out",
        ),
        RunwayStatus::NotBurning {
            average_monthly_net_inflow,
        } => (
            Kpi {
                value: "Not burning cash".into(),
                note: format!(
                    "Cash grows {} a month on average (last 3 months)",
                    m(average_monthly_net_inflow)
                ),
                trend: "up",
            },
            "status-ok",
        ),
        RunwayStatus::InsufficientHistory => (
            Kpi {
                value: "Not enough history".into(),
                note: "Runway needs three full months of transactions".into(),
                trend: "",
            },
            "",
        ),
    };

    // This month so far against the whole of last month.
    let month_start = as_of.with_day(1).unwrap_or(as_of);
    let last_start = month_start
        .checked_sub_months(Months::new(1))
        .unwrap_or(month_start);
    let (in_now, out_now, net_now) = month_net(books, month_start, as_of);
    let (in_last, out_last, net_last) = month_net(
        books,
        last_start,
        month_start.pred_opt().unwrap_or(month_start),
    );
    let this_month = Kpi {
        value: format!("{}{}", if net_now >= 0 { "+" } else { "" }, m(net_now)),
        note: format!(
            "{} in, {} out ({} to {})",
            m(in_now),
            money_whole_size(out_now, currency),
            month_start.format("%-d %b"),
            as_of.format("%-d %b")
        ),
        trend: if net_now >= 0 { "up" } else { "down" },
    };
    let last_month = Kpi {
        value: format!("{}{}", if net_last >= 0 { "+" } else { "" }, m(net_last)),
        note: format!(
            "{} in, {} out ({})",
            m(in_last),
            money_whole_size(out_last, currency),
            last_start.format("%B %Y")
        ),
        trend: if net_last >= 0 { "up" } else { "down" },
    };

    // The 13-week forecast.
    let f = a.forecast();
    let mut band = vec![BandPoint {
        date: f.as_of,
        p10: f.starting_cash,
        p50: f.starting_cash,
        p90: f.starting_cash,
    }];
    band.extend(f.weeks.iter().map(|w| BandPoint {
        date: w.end,
        p10: w.ending_cash.p10,
        p50: w.ending_cash.p50,
        p90: w.ending_cash.p90,
    }));
    let forecast_desc = match f.weeks.last() {
        Some(w) => format!(
            "Forecast of cash over {} weeks from {}: median {} by {}, with an 80% range of {} to {}.",
            f.weeks.len(),
            f.as_of.format("%-d %b %Y"),
            m(w.ending_cash.p50),
            w.end.format("%-d %b %Y"),
            m(w.ending_cash.p10),
            m(w.ending_cash.p90)
        ),
        None => "No forecast: there is not enough history yet.".into(),
    };

    // Anomalies of the last 12 months, most recent and most severe first.
    let year_ago = as_of
        .checked_sub_signed(TimeDelta::days(365))
        .unwrap_or(NaiveDate::MIN);
    let mut found: Vec<_> = a
        .anomalies()
        .anomalies
        .iter()
        .filter(|x| x.date >= year_ago)
        .collect();
    found.sort_by(|a, b| b.date.cmp(&a.date).then(b.severity.cmp(&a.severity)));
    let anomaly_rows = found
        .iter()
        .take(6)
        .map(|a| AnomalyRow {
            title: a.title.clone(),
            severity: a.severity.as_str(),
            date: a.date.format("%-d %b %Y").to_string(),
        })
        .collect();

    // Recurring costs: price changes first, then the largest.
    let rec = a.recurring();
    let mut items: Vec<_> = rec
        .items
        .iter()
        .filter(|i| i.active && i.typical_amount < 0)
        .collect();
    items.sort_by_key(|i| (i.price_change.is_none(), i.typical_amount));
    let recurring_rows = items
        .iter()
        .take(8)
        .map(|i| RecurringRow {
            counterparty: i.counterparty.clone(),
            cadence: i.cadence.label(),
            amount: money_size(i.typical_amount, currency),
            next: i.next_expected.format("%-d %b").to_string(),
            change: i.price_change.as_ref().map(|p| {
                format!(
                    "{} since {} ({} → {})",
                    percent(p.change_bp),
                    p.since.format("%-d %b %Y"),
                    money_size(p.old_amount, currency),
                    money_size(p.new_amount, currency)
                )
            }),
            change_up: i.price_change.as_ref().is_some_and(|p| p.change_bp > 0),
        })
        .collect();

    Dashboard {
        as_of: as_of.format("%-d %B %Y").to_string(),
        has_data,
        cash,
        runway: runway_kpi,
        runway_class,
        this_month,
        last_month,
        cash_chart: line_chart(&points, currency),
        cash_desc,
        forecast_chart: band_chart(&band, currency),
        forecast_desc,
        anomalies: anomaly_rows,
        recurring: recurring_rows,
        monthly_commitment: money_whole_size(rec.monthly_commitment, currency),
        // Filled by `with_insights`, once the narratives are read.
        insights: Vec::new(),
        insights_written_by: None,
        ai_allowance: None,
    }
}

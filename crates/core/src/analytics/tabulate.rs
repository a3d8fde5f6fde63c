//! Every report as plain tables of typed cells, shared by the text and CSV renderers here and
//! by the pages' CSV and XLSX downloads.

use super::aging::{AgingReport, BUCKETS};
use super::anomalies::AnomaliesReport;
use super::cashflow::{CashflowReport, NamedFlow};
use super::forecast::ForecastReport;
use super::recurring::RecurringReport;
use super::report::{Report, ReportBody};
use super::runway::{RunwayReport, RunwayStatus};
use chrono::NaiveDate;

/// One cell; money stays in minor units (of the report's currency) until rendered.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Money(i64),
    Int(i64),
    /// A ratio shown with two decimals (a percentage, a number of days or months); never money.
    Num(f64),
    Date(NaiveDate),
    Empty,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Self {
        Cell::Text(s.into())
    }

    pub fn count(n: impl TryInto<i64>) -> Self {
        n.try_into().map_or(Cell::Empty, Cell::Int)
    }

    fn bp_percent(bp: i64) -> Self {
        Cell::Num(super::stats::as_f64(bp) / 100.0)
    }
}

/// A titled table.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub title: String,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    #[must_use]
    pub fn new(title: impl Into<String>, headers: Vec<&'static str>) -> Self {
        Self {
            title: title.into(),
            headers,
            rows: Vec::new(),
        }
    }
}

/// Every table of a report, as `flowsense report --format table|csv` prints them.
#[must_use]
pub fn tables(report: &Report) -> Vec<Table> {
    match &report.report {
        ReportBody::Cashflow(r) => cashflow_tables(r),
        ReportBody::Forecast(r) => forecast_tables(r),
        ReportBody::Runway(r) => runway_tables(r),
        ReportBody::Anomalies(r) => vec![anomaly_table(r)],
        ReportBody::Recurring(r) => vec![recurring_table(r)],
        ReportBody::Aging(r) => aging_tables(r),
    }
}

const FLOW_HEADERS: [&str; 5] = ["name", "inflow", "outflow", "net", "count"];

/// Money in, out and net of each name (category, account or counterparty).
#[must_use]
pub fn named_table(title: &str, flows: &[NamedFlow]) -> Table {
    let mut table = Table::new(title, FLOW_HEADERS.to_vec());
    for f in flows {
        table.rows.push(vec![
            Cell::text(&f.name),
            Cell::Money(f.flow.inflow),
            Cell::Money(f.flow.outflow),
            Cell::Money(f.flow.net),
            Cell::count(f.flow.count),
        ]);
    }
    table
}

/// Money in, out and net of each period, and a total row.
#[must_use]
pub fn cashflow_periods_table(r: &CashflowReport) -> Table {
    let mut periods = Table::new(
        format!("Cash flow by {}", r.period.as_str()),
        vec!["start", "end", "inflow", "outflow", "net", "count"],
    );
    for p in &r.periods {
        periods.rows.push(vec![
            Cell::Date(p.start),
            Cell::Date(p.end),
            Cell::Money(p.flow.inflow),
            Cell::Money(p.flow.outflow),
            Cell::Money(p.flow.net),
            Cell::count(p.flow.count),
        ]);
    }
    periods.rows.push(vec![
        Cell::text("total"),
        Cell::Empty,
        Cell::Money(r.total.inflow),
        Cell::Money(r.total.outflow),
        Cell::Money(r.total.net),
        Cell::count(r.total.count),
    ]);
    periods
}

fn cashflow_tables(r: &CashflowReport) -> Vec<Table> {
    vec![
        cashflow_periods_table(r),
        named_table("By category", &r.by_category),
        named_table("By account", &r.by_account),
        named_table("By counterparty", &r.by_counterparty),
    ]
}

/// The forecast's weeks: expected money in and out, and the likely range of net flow and cash.
#[must_use]
pub fn forecast_weeks_table(r: &ForecastReport) -> Table {
    let mut weeks = Table::new(
        format!("13-week forecast from {}", r.as_of),
        vec![
            "start", "end", "inflow", "outflow", "net_p10", "net_p50", "net_p90", "cash_p10",
            "cash_p50", "cash_p90",
        ],
    );
    for w in &r.weeks {
        weeks.rows.push(vec![
            Cell::Date(w.start),
            Cell::Date(w.end),
            Cell::Money(w.inflow.p50),
            Cell::Money(w.outflow.p50),
            Cell::Money(w.net.p10),
            Cell::Money(w.net.p50),
            Cell::Money(w.net.p90),
            Cell::Money(w.ending_cash.p10),
            Cell::Money(w.ending_cash.p50),
            Cell::Money(w.ending_cash.p90),
        ]);
    }
    weeks
}

fn forecast_tables(r: &ForecastReport) -> Vec<Table> {
    let mut tables = vec![forecast_weeks_table(r)];
    if let Some(b) = &r.backtest {
        let mut summary = Table::new(
            format!("Backtest on the 13 weeks after {}", b.cut),
            vec!["method", "wape_percent", "ending_cash_error"],
        );
        let wape = |bp: Option<i64>| bp.map_or(Cell::Empty, Cell::bp_percent);
        summary.rows.push(vec![
            Cell::text("forecast"),
            wape(b.forecast_wape_bp),
            Cell::Money(b.forecast_ending_cash_error),
        ]);
        summary.rows.push(vec![
            Cell::text("naive (13-week mean)"),
            wape(b.naive_wape_bp),
            Cell::Money(b.naive_ending_cash_error),
        ]);
        tables.push(summary);
    }
    tables
}

fn runway_tables(r: &RunwayReport) -> Vec<Table> {
    let mut summary = Table::new(
        format!("Runway as of {}", r.as_of),
        vec!["measure", "value"],
    );
    summary
        .rows
        .push(vec![Cell::text("cash now"), Cell::Money(r.cash_now)]);
    let status = match &r.status {
        RunwayStatus::Burning {
            average_monthly_burn,
            months_of_runway,
            cash_runs_out_on,
        } => {
            summary.rows.push(vec![
                Cell::text("average monthly burn"),
                Cell::Money(*average_monthly_burn),
            ]);
            summary.rows.push(vec![
                Cell::text("months of runway"),
                Cell::Num(*months_of_runway),
            ]);
            summary.rows.push(vec![
                Cell::text("cash runs out on"),
                Cell::Date(*cash_runs_out_on),
            ]);
            "burning"
        }
        RunwayStatus::OutOfCash {
            average_monthly_burn,
        } => {
            summary.rows.push(vec![
                Cell::text("average monthly burn"),
                Cell::Money(*average_monthly_burn),
            ]);
            "out of cash"
        }
        RunwayStatus::NotBurning {
            average_monthly_net_inflow,
        } => {
            summary.rows.push(vec![
                Cell::text("average monthly net inflow"),
                Cell::Money(*average_monthly_net_inflow),
            ]);
            "not burning"
        }
        RunwayStatus::InsufficientHistory => "insufficient history (needs three full months)",
    };
    summary
        .rows
        .insert(0, vec![Cell::text("status"), Cell::text(status)]);
    let mut months = Table::new(
        "Months averaged",
        vec!["month", "inflow", "outflow", "net", "source"],
    );
    for m in &r.months {
        months.rows.push(vec![
            Cell::Date(m.month),
            Cell::Money(m.inflow),
            Cell::Money(m.outflow),
            Cell::Money(m.net),
            Cell::text(m.source),
        ]);
    }
    vec![summary, months]
}

fn anomaly_table(r: &AnomaliesReport) -> Table {
    let mut table = Table::new(
        format!("Anomalies up to {}", r.as_of),
        vec![
            "date",
            "severity",
            "kind",
            "title",
            "amount",
            "transactions",
        ],
    );
    for a in &r.anomalies {
        let amount = a
            .evidence
            .figures
            .first()
            .map_or(Cell::Empty, |f| Cell::Money(f.amount));
        let ids: Vec<String> = a.evidence.txn_ids.iter().map(i64::to_string).collect();
        table.rows.push(vec![
            Cell::Date(a.date),
            Cell::text(a.severity.as_str()),
            Cell::text(a.kind.as_str()),
            Cell::text(&a.title),
            amount,
            Cell::text(ids.join(" ")),
        ]);
    }
    table
}

/// The recurring payments, with their price changes.
#[must_use]
pub fn recurring_table(r: &RecurringReport) -> Table {
    let mut table = Table::new(
        "Recurring payments",
        vec![
            "counterparty",
            "category",
            "cadence",
            "typical_amount",
            "last",
            "next",
            "active",
            "previous_amount",
            "change_percent",
        ],
    );
    for i in &r.items {
        let change = i.price_change.as_ref();
        table.rows.push(vec![
            Cell::text(&i.counterparty),
            Cell::text(&i.category),
            Cell::text(i.cadence.as_str()),
            Cell::Money(i.typical_amount),
            Cell::Date(i.last_date),
            Cell::Date(i.next_expected),
            Cell::text(if i.active { "yes" } else { "no" }),
            change.map_or(Cell::Empty, |c| Cell::Money(c.old_amount)),
            change.map_or(Cell::Empty, |c| Cell::bp_percent(c.change_bp)),
        ]);
    }
    table
}

/// Receivables and payables by days past due, receivables health and the late payers.
#[must_use]
pub fn aging_tables(r: &AgingReport) -> Vec<Table> {
    let mut buckets = Table::new(
        format!("Aging as of {}", r.as_of),
        vec!["days_past_due", "receivables", "payables"],
    );
    for (i, label) in BUCKETS.iter().enumerate() {
        let amount = |v: &[i64]| v.get(i).copied().map_or(Cell::Empty, Cell::Money);
        buckets.rows.push(vec![
            Cell::text(*label),
            amount(&r.receivables.buckets),
            amount(&r.payables.buckets),
        ]);
    }
    buckets.rows.push(vec![
        Cell::text("total"),
        Cell::Money(r.receivables.total),
        Cell::Money(r.payables.total),
    ]);
    let mut summary = Table::new("Receivables health", vec!["measure", "value"]);
    summary.rows.push(vec![
        Cell::text("DSO (days)"),
        r.dso_days.map_or(Cell::Empty, Cell::Num),
    ]);
    let c = &r.concentration;
    summary.rows.push(vec![
        Cell::text(format!("revenue, last 12 months ({})", c.basis)),
        Cell::Money(c.revenue),
    ]);
    summary.rows.push(vec![
        Cell::text("top 1 customer share %"),
        Cell::bp_percent(c.top1_bp),
    ]);
    summary.rows.push(vec![
        Cell::text("top 3 customers share %"),
        Cell::bp_percent(c.top3_bp),
    ]);
    summary.rows.push(vec![
        Cell::text("top 5 customers share %"),
        Cell::bp_percent(c.top5_bp),
    ]);
    let mut late = Table::new(
        "Late payers",
        vec![
            "customer",
            "paid_invoices",
            "median_days_late",
            "open_amount",
            "overdue_amount",
        ],
    );
    for p in &r.late_payers {
        late.rows.push(vec![
            Cell::text(&p.customer),
            Cell::count(p.paid_invoices),
            Cell::Int(p.median_days_late),
            Cell::Money(p.open_amount),
            Cell::Money(p.overdue_amount),
        ]);
    }
    vec![buckets, summary, late]
}

//! One entry point for every report kind, as the CLI (`flowsense report KIND`) and the HTTP
//! API (`/api/v1/orgs/{org}/reports/{kind}`) run them.

use super::aging::{AgingReport, aging};
use super::anomalies::{AnomaliesReport, anomalies};
use super::backtest::backtest;
use super::cashflow::{CashflowReport, cashflow, cashflow_of_parts};
use super::cashflow_parts::CashflowParts;
use super::dates::{Period, default_as_of};
use super::forecast::{ForecastReport, forecast};
use super::recurring::{RecurringReport, recurring};
use super::runway::{RunwayReport, runway};
use crate::Books;
use crate::money::Currency;
use chrono::NaiveDate;
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// The reports the engine produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportKind {
    Cashflow,
    Forecast,
    Runway,
    Anomalies,
    Recurring,
    Aging,
}

impl ReportKind {
    pub const ALL: [ReportKind; 6] = [
        ReportKind::Cashflow,
        ReportKind::Forecast,
        ReportKind::Runway,
        ReportKind::Anomalies,
        ReportKind::Recurring,
        ReportKind::Aging,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Cashflow => "cashflow",
            ReportKind::Forecast => "forecast",
            ReportKind::Runway => "runway",
            ReportKind::Anomalies => "anomalies",
            ReportKind::Recurring => "recurring",
            ReportKind::Aging => "aging",
        }
    }
}

impl fmt::Display for ReportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A report name that is none of [`ReportKind::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown report {0:?} (expected cashflow, forecast, runway, anomalies, recurring or aging)"
)]
pub struct UnknownReportKind(pub String);

impl FromStr for ReportKind {
    type Err = UnknownReportKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ReportKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| UnknownReportKind(s.chars().take(32).collect()))
    }
}

/// What a report is asked for. Every field is optional; see [`run_report`] for defaults.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReportOptions {
    /// "Today" for the report; defaults to `to`, else the last transaction's date.
    pub as_of: Option<NaiveDate>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub period: Period,
}

/// The body of a report, one variant per kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ReportBody {
    Cashflow(CashflowReport),
    Forecast(ForecastReport),
    Runway(RunwayReport),
    Anomalies(AnomaliesReport),
    Recurring(RecurringReport),
    Aging(AgingReport),
}

/// A finished report: what `--format json` prints and the API returns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub kind: ReportKind,
    pub currency: Currency,
    pub as_of: NaiveDate,
    pub report: ReportBody,
    /// Amounts the figures leave out for want of an exchange rate (absent when none are).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing_rates: Vec<crate::fx::MissingRate>,
}

/// Runs one report over the books.
///
/// Defaults: `as_of` is `to`, else the last transaction's date (1970-01-01 for empty books);
/// a cash-flow report runs from the first transaction to `to` (else `as_of` when given, else the
/// last transaction); anomalies are looked for in `[from, as_of]`.
#[must_use]
pub fn run_report(books: &Books, kind: ReportKind, options: &ReportOptions) -> Report {
    let as_of = options
        .as_of
        .or(options.to)
        .or_else(|| default_as_of(books))
        .unwrap_or_default();
    let report = match kind {
        ReportKind::Cashflow => ReportBody::Cashflow(cashflow(
            books,
            options.from,
            options.to.or(options.as_of),
            options.period,
        )),
        ReportKind::Forecast => {
            let mut report = forecast(books, as_of);
            report.backtest = backtest(books, as_of);
            ReportBody::Forecast(report)
        }
        ReportKind::Runway => ReportBody::Runway(runway(books, as_of)),
        ReportKind::Anomalies => ReportBody::Anomalies(anomalies(books, options.from, as_of)),
        ReportKind::Recurring => ReportBody::Recurring(recurring(books, as_of)),
        ReportKind::Aging => ReportBody::Aging(aging(books, as_of)),
    };
    Report {
        kind,
        currency: books.currency,
        as_of,
        report,
        missing_rates: books.missing_rates.clone(),
    }
}

/// Empty parts for the cash-flow report `options` ask for, to add transactions to as they
/// are read and hand to [`cashflow_report`].
#[must_use]
pub fn cashflow_parts(options: &ReportOptions) -> CashflowParts {
    CashflowParts::new(options.period, options.from, options.to.or(options.as_of))
}

/// The cash-flow [`Report`] of parts summed from `books`' transactions (see
/// [`cashflow_parts`]); `books` gives the currency, the names and, when there were no
/// transactions, the documents that set the default `as_of`. Its own transactions are not read.
#[must_use]
pub fn cashflow_report(parts: &CashflowParts, books: &Books, options: &ReportOptions) -> Report {
    let as_of = options
        .as_of
        .or(options.to)
        .or(parts.last_date())
        .or_else(|| default_as_of(books))
        .unwrap_or_default();
    Report {
        kind: ReportKind::Cashflow,
        currency: books.currency,
        as_of,
        report: ReportBody::Cashflow(cashflow_of_parts(parts, books)),
        missing_rates: books.missing_rates.clone(),
    }
}

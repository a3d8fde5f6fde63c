//! 13-week cash forecast from `as_of`: open invoices (shifted by each customer's own median
//! lateness), open bills, detected recurring payments ([`super::forecast_known`]), and a
//! baseline for the rest whose method is chosen per stream by cross-validation on the books'
//! own history ([`super::forecast_model`]). The P10/P50/P90 bands come from the errors of
//! the whole forecast rebuilt at past weeks, at each week ahead
//! ([`super::forecast_calibration`]). A what-if [`Scenario`] moves any of those inputs (see
//! [`forecast_with`]), and the owner's planned amounts ([`Books::planned`]) join the known flows
//! of their weeks, baseline and scenario alike.

use super::backtest::Backtest;
use super::cash_position::cash_at;
use super::dates::add_days;
use super::doc_matching::document_payment_ids;
use super::forecast_baseline::{History, Stream};
use super::forecast_calibration::Calibration;
use super::forecast_known::{KnownFlows, PaymentLags, baseline_week, week_end};
use super::forecast_model::{Baseline, ForecastModel};
use super::forecast_whatif::Scenario;
use super::recurring::detect_recurring;
use super::stats::{as_f64, round_minor, saturate};
use crate::Books;
use crate::money::Currency;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashSet;

/// Weeks forecast.
pub const HORIZON_WEEKS: usize = 13;

/// A P10/P50/P90 range in minor units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Band {
    pub p10: i64,
    pub p50: i64,
    pub p90: i64,
}

/// One forecast week, `start..=end`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForecastWeek {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub inflow: Band,
    /// Negative: money out.
    pub outflow: Band,
    pub net: Band,
    pub ending_cash: Band,
    /// Expected median amounts from each source (inflows positive, outflows negative).
    pub open_invoices: i64,
    pub open_bills: i64,
    pub recurring: i64,
    pub baseline: i64,
}

/// The forecast report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ForecastReport {
    pub currency: Currency,
    pub as_of: NaiveDate,
    pub starting_cash: i64,
    pub weeks: Vec<ForecastWeek>,
    /// Whether a yearly pattern was applied to any stream (needs two full years of history,
    /// and must have won the cross-validation).
    pub yearly_seasonality: bool,
    /// Weeks of history behind the baseline (raw transactions and weekly rollups of purged ones).
    pub history_weeks: usize,
    /// How the same method did on the last 13 weeks, when there is enough history.
    pub backtest: Option<Backtest>,
    /// Which method each stream of the baseline uses, why, and how often the likely range held.
    pub model: ForecastModel,
}

/// Forecasts the 13 weeks after `as_of` (the backtest is left empty; see [`super::backtest`]).
#[must_use]
pub fn forecast(books: &Books, as_of: NaiveDate) -> ForecastReport {
    forecast_with(books, as_of, &Scenario::default())
}

/// Forecasts the 13 weeks after `as_of` with `scenario` applied: its one-off and monthly amounts
/// join the known flows of their weeks, invoices (open ones, and the baseline's future ones)
/// arrive `customer_delay_days` later, and dropped recurring payments are not expected. The
/// bands keep their width: a scenario moves the centre, not the uncertainty.
#[must_use]
pub fn forecast_with(books: &Books, as_of: NaiveDate, scenario: &Scenario) -> ForecastReport {
    let starting_cash = cash_at(books, as_of);
    let delay = i64::from(scenario.customer_delay_days);
    let items = detect_recurring(books, as_of);
    let known = KnownFlows::at(
        books,
        as_of,
        delay,
        items.iter().filter(|i| !scenario.drops(&i.counterparty)),
    );
    // A dropped item's past payments stay out of the baseline too: they were never "other" flows.
    let recurring_counterparties: HashSet<u32> = items.iter().map(|i| i.counterparty_id).collect();
    let extra = scenario
        .with_planned(&books.planned, as_of, HORIZON_WEEKS)
        .weekly_flows(as_of, HORIZON_WEEKS);
    let history = History::build(
        books,
        as_of,
        &document_payment_ids(books),
        &recurring_counterparties,
    );
    let lags = PaymentLags::at(books, as_of);
    let baseline = Baseline::fit(&history, HORIZON_WEEKS);
    let ranges = Calibration::measure(books, as_of, &history, &baseline.errors, &items);

    let mut weeks = Vec::with_capacity(HORIZON_WEEKS);
    let mut cash = as_f64(starting_cash);
    for (k, (extra_in, extra_out)) in extra.into_iter().enumerate().take(HORIZON_WEEKS) {
        let end = week_end(as_of, k);
        let p50 = |stream: Stream| baseline.p50[stream as usize].get(k).copied().unwrap_or(0.0);
        let (base_in, base_out) = baseline_week(p50, &lags, k, delay);
        let known_in = as_f64(saturate(known.inflow(k) + extra_in));
        let known_out = as_f64(saturate(known.outflow(k) + extra_out));
        let inflow = known_in + base_in;
        let outflow = known_out + base_out;
        let net = inflow + outflow;
        cash += net;
        let offsets = |rows: &[(f64, f64)]| rows.get(k).copied().unwrap_or_default();
        weeks.push(ForecastWeek {
            start: add_days(end, -6),
            end,
            inflow: band(inflow, offsets(&ranges.inflow), Some(0.0), None),
            outflow: band(outflow, offsets(&ranges.outflow), None, Some(0.0)),
            net: band(net, offsets(&ranges.net), None, None),
            ending_cash: band(cash, offsets(&ranges.cash), None, None),
            open_invoices: saturate(known.invoices[k]),
            open_bills: saturate(-known.bills[k]),
            recurring: saturate(known.recurring[k]),
            baseline: round_minor(base_in + base_out),
        });
    }
    ForecastReport {
        currency: books.currency,
        as_of,
        starting_cash,
        weeks,
        yearly_seasonality: baseline
            .streams
            .iter()
            .any(|s| s.chosen.method.is_seasonal()),
        history_weeks: history.raw_weeks,
        backtest: None,
        model: ForecastModel {
            streams: baseline.streams,
            origins: ranges.origins,
            coverage_bp: ranges.coverage_bp,
        },
    }
}

/// A band around `p50` from `(low, high)` offsets, optionally clamped (inflows stay ≥ 0,
/// outflows ≤ 0), rounded once.
fn band(p50: f64, (low, high): (f64, f64), floor: Option<f64>, ceiling: Option<f64>) -> Band {
    let clamp = |v: f64| {
        let v = floor.map_or(v, |f| v.max(f));
        ceiling.map_or(v, |c| v.min(c))
    };
    let (low, high) = (low.min(0.0), high.max(0.0));
    Band {
        p10: round_minor(clamp(p50 + low)),
        p50: round_minor(clamp(p50)),
        p90: round_minor(clamp(p50 + high)),
    }
}

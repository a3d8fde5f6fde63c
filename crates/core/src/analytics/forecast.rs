//! 13-week cash forecast from `as_of`: open invoices (shifted by each customer's own median
//! lateness), open bills, detected recurring payments, and a baseline for the rest whose
//! method is chosen per stream by cross-validation on the books' own history, with
//! P10/P50/P90 bands from that method's errors at each week ahead (see
//! [`super::forecast_model`]). A what-if
//! [`Scenario`] moves any of those inputs (see [`forecast_with`]).

use super::backtest::Backtest;
use super::cash_position::cash_at;
use super::dates::{add_days, days_between};
use super::doc_matching::{document_payment_ids, is_open, median_days_late, payment_lags};
use super::forecast_baseline::{History, Stream};
use super::forecast_model::{Baseline, ForecastModel};
use super::forecast_whatif::Scenario;
use super::recurring::detect_recurring;
use super::stats::{as_f64, round_minor, saturate};
use crate::money::Currency;
use crate::{Books, DocKind};
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
    let week_end = |k: usize| add_days(as_of, 7 * (i64::try_from(k).unwrap_or(0) + 1));
    let week_of = |date: NaiveDate| -> usize {
        let offset = days_between(as_of, date).max(1) - 1;
        usize::try_from(offset / 7).unwrap_or(usize::MAX)
    };
    let horizon_end = week_end(HORIZON_WEEKS - 1);

    let mut invoices = [0i128; HORIZON_WEEKS];
    let mut bills = [0i128; HORIZON_WEEKS];
    let (late_by_customer, late_overall) = median_days_late(books, DocKind::Invoice, as_of);
    for doc in books.documents.iter().filter(|d| is_open(d, as_of)) {
        let (expected, target) = match doc.kind {
            DocKind::Invoice => {
                let late = late_by_customer
                    .get(&doc.counterparty)
                    .copied()
                    .unwrap_or(late_overall);
                // Anything already overdue is expected in the first week, or `delay` days
                // after its start.
                let habit = add_days(doc.due, late.max(0)).max(add_days(as_of, 1));
                (add_days(habit, delay), &mut invoices)
            }
            DocKind::Bill => (doc.due, &mut bills),
        };
        // What is expected after the horizon does not move cash inside it.
        if expected > horizon_end {
            continue;
        }
        if let Some(cell) = target.get_mut(week_of(expected)) {
            *cell += i128::from(doc.amount);
        }
    }

    let mut recurring = [0i128; HORIZON_WEEKS];
    let items = detect_recurring(books, as_of);
    for item in items.iter().filter(|i| !scenario.drops(&i.counterparty)) {
        for date in item.dates_between(as_of, horizon_end) {
            if let Some(cell) = recurring.get_mut(week_of(date)) {
                *cell += i128::from(item.typical_amount);
            }
        }
    }
    // A dropped item's past payments stay out of the baseline too: they were never "other" flows.
    let recurring_counterparties: HashSet<u32> = items.iter().map(|i| i.counterparty_id).collect();
    let extra = scenario.weekly_flows(as_of, HORIZON_WEEKS);
    let history = History::build(
        books,
        as_of,
        &document_payment_ids(books),
        &recurring_counterparties,
    );
    let invoice_lags = payment_lags(books, DocKind::Invoice, as_of);
    let bill_lags = payment_lags(books, DocKind::Bill, as_of);
    let baseline = Baseline::fit(&history, HORIZON_WEEKS);

    let mut weeks = Vec::with_capacity(HORIZON_WEEKS);
    let mut cash = as_f64(starting_cash);
    for k in 0..HORIZON_WEEKS {
        let end = week_end(k);
        let mid_day = days_between(as_of, end) - 3;
        let mut base_in = 0.0;
        let mut base_out = 0.0;
        for stream in Stream::ALL {
            let mut value = baseline.p50[stream as usize].get(k).copied().unwrap_or(0.0);
            // Documents issued after `as_of` only start landing once their usual lag has passed.
            match stream {
                Stream::InvoicesPaid => {
                    value *= share_paid_within(&invoice_lags, mid_day - delay);
                }
                Stream::BillsPaid => value *= share_paid_within(&bill_lags, mid_day),
                Stream::OtherIn | Stream::OtherOut => {}
            }
            if stream.is_inflow() {
                base_in += value;
            } else {
                base_out += value;
            }
        }
        let (extra_in, extra_out) = extra[k];
        let known_in = as_f64(saturate(invoices[k] + extra_in));
        let known_out = as_f64(saturate(recurring[k] - bills[k] + extra_out));
        let inflow = known_in + base_in;
        let outflow = known_out + base_out;
        let net = inflow + outflow;
        cash += net;
        let offsets = |rows: &[(f64, f64)]| rows.get(k).copied().unwrap_or_default();
        weeks.push(ForecastWeek {
            start: add_days(end, -6),
            end,
            inflow: band(inflow, offsets(&baseline.inflow), Some(0.0), None),
            outflow: band(outflow, offsets(&baseline.outflow), None, Some(0.0)),
            net: band(net, offsets(&baseline.net), None, None),
            ending_cash: band(cash, offsets(&baseline.cash), None, None),
            open_invoices: saturate(invoices[k]),
            open_bills: saturate(-bills[k]),
            recurring: saturate(recurring[k]),
            baseline: round_minor(base_in + base_out),
        });
    }
    ForecastReport {
        currency: books.currency,
        as_of,
        starting_cash,
        weeks,
        yearly_seasonality: baseline
            .model
            .streams
            .iter()
            .any(|s| s.chosen.method.is_seasonal()),
        history_weeks: history.raw_weeks,
        backtest: None,
        model: baseline.model,
    }
}

/// Share of documents paid within `days` of issue (all of them when there is no history).
fn share_paid_within(sorted_lags: &[i64], days: i64) -> f64 {
    if sorted_lags.is_empty() {
        return 1.0;
    }
    let within = sorted_lags.partition_point(|&lag| lag <= days);
    #[expect(
        clippy::cast_precision_loss,
        reason = "a statistical estimate over small counts, not an amount"
    )]
    let share = within as f64 / sorted_lags.len() as f64;
    share
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

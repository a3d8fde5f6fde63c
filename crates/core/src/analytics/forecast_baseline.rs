//! The forecast's baseline: weekly run rates of the flows that are neither recurring items
//! nor known documents, with yearly seasonality from monthly totals (raw transactions, or
//! rollups where they were purged), and the empirical spread of its one-step errors.
//!
//! Weekly buckets hold every weekday once, so a day-of-week pattern cancels out at this
//! resolution; what remains to model is the level and the month of the year.

use super::dates::{add_days, days_between, month_start};
use super::stats::{as_f64, saturate};
use crate::Books;
use crate::books::TRANSFER_CATEGORY;
use chrono::{Datelike, NaiveDate};
use std::collections::{BTreeMap, HashSet};

/// Weeks of history the level is taken over.
pub(crate) const LEVEL_WEEKS: usize = 13;
/// Most weeks of history looked at.
const MAX_HISTORY_WEEKS: usize = 156;
/// Most one-step errors the bands are taken from.
const RESIDUAL_WEEKS: usize = 52;
/// Full months needed before a yearly pattern is trusted.
const MIN_SEASONAL_MONTHS: usize = 12;

/// The separately modelled weekly streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stream {
    OtherIn,
    OtherOut,
    InvoicesPaid,
    BillsPaid,
}

impl Stream {
    pub(crate) const ALL: [Stream; 4] = [
        Stream::OtherIn,
        Stream::OtherOut,
        Stream::InvoicesPaid,
        Stream::BillsPaid,
    ];

    fn is_inflow(self) -> bool {
        matches!(self, Stream::OtherIn | Stream::InvoicesPaid)
    }
}

/// Weekly history of each stream; index 0 is the week ending on `as_of`.
pub(crate) struct History {
    pub as_of: NaiveDate,
    /// `[stream][week]` in minor units.
    pub weeks: [Vec<f64>; 4],
    /// Weeks of history, from raw transactions or the weekly rollups of purged ones.
    pub raw_weeks: usize,
    /// Month-of-year factors for inflows and outflows (index 0 = January).
    pub inflow_factors: [f64; 12],
    pub outflow_factors: [f64; 12],
    pub seasonal: bool,
}

impl History {
    pub(crate) fn build(
        books: &Books,
        as_of: NaiveDate,
        document_payments: &HashSet<i64>,
        recurring_counterparties: &HashSet<u32>,
    ) -> Self {
        let earliest = books
            .txns
            .iter()
            .map(|t| t.date)
            .chain(books.week_rollups.iter().map(|r| r.week))
            .filter(|&d| d <= as_of)
            .min();
        let raw_weeks = earliest.map_or(0, |e| {
            usize::try_from(days_between(e, as_of) / 7 + 1)
                .unwrap_or(0)
                .min(MAX_HISTORY_WEEKS)
        });
        // Exact sums first, so the result does not depend on the order of the transactions.
        let mut exact: [Vec<i128>; 4] = std::array::from_fn(|_| vec![0; raw_weeks]);
        for t in books.txns.iter().filter(|t| !t.transfer && t.date <= as_of) {
            let Ok(w) = usize::try_from(days_between(t.date, as_of) / 7) else {
                continue;
            };
            if w >= raw_weeks {
                continue;
            }
            let stream = if document_payments.contains(&t.id) {
                if t.amount >= 0 {
                    Stream::InvoicesPaid
                } else {
                    Stream::BillsPaid
                }
            } else if t.amount < 0 && recurring_counterparties.contains(&t.counterparty) {
                continue;
            } else if t.amount >= 0 {
                Stream::OtherIn
            } else {
                Stream::OtherOut
            };
            exact[stream as usize][w] += i128::from(t.amount);
        }
        add_week_rollups(&mut exact, books, as_of, recurring_counterparties);
        let weeks = exact.map(|series| series.into_iter().map(|v| as_f64(saturate(v))).collect());
        let (inflow_factors, outflow_factors, seasonal) = month_factors(books, as_of);
        Self {
            as_of,
            weeks,
            raw_weeks,
            inflow_factors,
            outflow_factors,
            seasonal,
        }
    }

    /// Average seasonal factor over the seven days ending `end`.
    pub(crate) fn week_factor(&self, stream: Stream, end: NaiveDate) -> f64 {
        let factors = if stream.is_inflow() {
            &self.inflow_factors
        } else {
            &self.outflow_factors
        };
        (0..7)
            .map(|d| factors[add_days(end, -d).month0() as usize])
            .sum::<f64>()
            / 7.0
    }

    /// Deseasonalised weekly level from the `LEVEL_WEEKS` weeks starting at history index `from`.
    pub(crate) fn level(&self, stream: Stream, from: usize) -> f64 {
        let series = &self.weeks[stream as usize];
        let until = (from + LEVEL_WEEKS).min(series.len());
        if from >= until {
            return 0.0;
        }
        let (mut sum, mut factor_sum) = (0.0, 0.0);
        for (w, value) in series.iter().enumerate().take(until).skip(from) {
            sum += value;
            factor_sum += self.week_factor(stream, self.week_end(w));
        }
        if factor_sum > 0.0 {
            sum / factor_sum
        } else {
            0.0
        }
    }

    /// Last day of history week `w`.
    pub(crate) fn week_end(&self, w: usize) -> NaiveDate {
        add_days(self.as_of, -7 * i64::try_from(w).unwrap_or(0))
    }

    /// One-step-ahead errors (actual − predicted) of the summed streams, in and out.
    pub(crate) fn residuals(&self) -> (Vec<f64>, Vec<f64>) {
        let mut inflow = Vec::new();
        let mut outflow = Vec::new();
        let usable = self
            .raw_weeks
            .saturating_sub(LEVEL_WEEKS)
            .min(RESIDUAL_WEEKS);
        for w in 0..usable {
            let (mut err_in, mut err_out) = (0.0, 0.0);
            for stream in Stream::ALL {
                let predicted =
                    self.level(stream, w + 1) * self.week_factor(stream, self.week_end(w));
                let error = self.weeks[stream as usize][w] - predicted;
                if stream.is_inflow() {
                    err_in += error;
                } else {
                    err_out += error;
                }
            }
            inflow.push(err_in);
            outflow.push(err_out);
        }
        (inflow, outflow)
    }
}

/// Adds the weekly rollups of purged transactions to the streams. A rollup week lands in
/// the history week that holds its Thursday (the one holding most of its days; all of them
/// when `as_of` is a Sunday, so the history is then exactly what it was before the purge).
/// Payments of documents cannot be told apart once purged: they count as other flows.
fn add_week_rollups(
    exact: &mut [Vec<i128>; 4],
    books: &Books,
    as_of: NaiveDate,
    recurring_counterparties: &HashSet<u32>,
) {
    for r in books.week_rollups.iter().filter(|r| r.week <= as_of) {
        let thursday = add_days(r.week, 3).min(as_of);
        let Ok(w) = usize::try_from(days_between(thursday, as_of) / 7) else {
            continue;
        };
        if w >= exact[0].len() {
            continue;
        }
        exact[Stream::OtherIn as usize][w] += i128::from(r.inflow);
        if !recurring_counterparties.contains(&r.counterparty) {
            exact[Stream::OtherOut as usize][w] += i128::from(r.outflow);
        }
    }
}

/// Month-of-year factors from full months of non-transfer flows; flat when under a year.
fn month_factors(books: &Books, as_of: NaiveDate) -> ([f64; 12], [f64; 12], bool) {
    let flat = ([1.0; 12], [1.0; 12], false);
    let mut exact: BTreeMap<NaiveDate, (i128, i128)> = BTreeMap::new();
    for t in books.txns.iter().filter(|t| !t.transfer && t.date <= as_of) {
        let entry = exact.entry(month_start(t.date)).or_default();
        if t.amount >= 0 {
            entry.0 += i128::from(t.amount);
        } else {
            entry.1 -= i128::from(t.amount);
        }
    }
    // Rollups hold only purged transactions, so a month cut by the purge adds both.
    let transfer = books.categories.get(TRANSFER_CATEGORY);
    for r in &books.rollups {
        let month = month_start(r.month);
        if Some(r.category) == transfer || month > as_of {
            continue;
        }
        let entry = exact.entry(month).or_default();
        entry.0 += i128::from(r.inflow);
        entry.1 -= i128::from(r.outflow);
    }
    let mut months: BTreeMap<NaiveDate, (f64, f64)> = exact
        .into_iter()
        .map(|(m, (i, o))| (m, (as_f64(saturate(i)), as_f64(saturate(o)))))
        .collect();
    // Drop the partial first month and the month still running at `as_of`.
    let first = months.keys().next().copied();
    months.retain(|&m, _| Some(m) != first && m != month_start(as_of));
    if months.len() < MIN_SEASONAL_MONTHS {
        return flat;
    }
    let factors = |pick: fn(&(f64, f64)) -> f64| {
        let mut sums = [0.0; 12];
        let mut counts = [0.0; 12];
        for (month, totals) in &months {
            sums[month.month0() as usize] += pick(totals);
            counts[month.month0() as usize] += 1.0;
        }
        #[expect(
            clippy::cast_precision_loss,
            reason = "a statistical estimate over small counts, not an amount"
        )]
        let mean = months.values().map(pick).sum::<f64>() / months.len() as f64;
        let mut out = [1.0; 12];
        if mean > 0.0 {
            for m in 0..12 {
                if counts[m] > 0.0 {
                    out[m] = (sums[m] / counts[m] / mean).clamp(0.2, 5.0);
                }
            }
        }
        let average = out.iter().sum::<f64>() / 12.0;
        out.map(|f| f / average)
    };
    (factors(|t| t.0), factors(|t| t.1), true)
}

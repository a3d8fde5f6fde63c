//! Backtest: cut the last 13 weeks, forecast them from the earlier books, and compare with
//! what happened, next to a naive forecast (the mean weekly net of the 13 weeks before the cut),
//! and count the weeks that landed inside the forecast's likely range.
//!
//! Weeks purged by retention count through their weekly totals ([`Books::week_rollups`]), as
//! the forecast's history does: an organisation that keeps 90 days of transactions still has
//! its 26 weeks. A purged week's total falls in the backtest week that holds its Thursday, so
//! when the weeks end on Sundays every figure is what it was before the purge. The forecast
//! made at the cut then sees only weekly totals: it cannot find recurring payments or which
//! payments settled which invoice in them (those need each payment's day), so its figures may
//! differ from the ones made over the raw rows.

use super::cash_position::{cash_at, rollup_day};
use super::dates::add_days;
use super::forecast::{HORIZON_WEEKS, forecast};
use super::stats::{as_f64, basis_points, round_minor, saturate};
use crate::Books;
use chrono::NaiveDate;
use serde::Serialize;

/// One week of the backtest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BacktestWeek {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub actual_net: i64,
    pub forecast_net: i64,
    /// The forecast's likely range of the week's net flow (P10 and P90).
    pub forecast_net_low: i64,
    pub forecast_net_high: i64,
    pub naive_net: i64,
}

/// Accuracy of the forecast on the last 13 weeks of the books.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Backtest {
    /// The last day the forecast saw.
    pub cut: NaiveDate,
    pub weeks: Vec<BacktestWeek>,
    /// Weighted absolute percentage error of weekly net flow, in basis points
    /// (`None` when nothing moved in those weeks).
    pub forecast_wape_bp: Option<i64>,
    pub naive_wape_bp: Option<i64>,
    /// Share of the weeks whose actual net flow landed inside the forecast's likely range
    /// (P10–P90), in basis points (`None` without weeks).
    pub coverage_bp: Option<i64>,
    pub actual_ending_cash: i64,
    /// Forecast minus actual ending cash.
    pub forecast_ending_cash_error: i64,
    pub naive_ending_cash_error: i64,
}

/// Backtests the forecast on the 13 weeks ending `end` (usually the last transaction's date).
/// `None` when there are fewer than 13 weeks of history before the cut, counting the weeks
/// purged by retention whose totals were kept.
#[must_use]
pub fn backtest(books: &Books, end: NaiveDate) -> Option<Backtest> {
    let weeks_days = 7 * i64::try_from(HORIZON_WEEKS).unwrap_or(13);
    let cut = add_days(end, -weeks_days);
    let earliest = history_start(books)?;
    if add_days(cut, -weeks_days) < earliest || cut >= end {
        return None;
    }
    let before = books_as_of(books, cut);
    let predicted = forecast(&before, cut);
    let net_between = |from: NaiveDate, to: NaiveDate| -> i128 {
        let raw: i128 = books
            .txns
            .iter()
            .filter(|t| !t.transfer && t.date > from && t.date <= to)
            .map(|t| i128::from(t.amount))
            .sum();
        let purged: i128 = books
            .week_rollups
            .iter()
            .filter(|r| {
                let thursday = add_days(r.week, 3);
                thursday > from && thursday <= to
            })
            .map(|r| i128::from(r.inflow) + i128::from(r.outflow))
            .sum();
        raw + purged
    };
    let naive_weekly =
        as_f64(saturate(net_between(add_days(cut, -weeks_days), cut))) / as_f64(weeks_days / 7);
    let naive_net = round_minor(naive_weekly);
    let weeks: Vec<BacktestWeek> = predicted
        .weeks
        .iter()
        .map(|w| BacktestWeek {
            start: w.start,
            end: w.end,
            actual_net: saturate(net_between(add_days(w.start, -1), w.end)),
            forecast_net: w.net.p50,
            forecast_net_low: w.net.p10,
            forecast_net_high: w.net.p90,
            naive_net,
        })
        .collect();
    let wape = |pick: fn(&BacktestWeek) -> i64| {
        let actual: i128 = weeks.iter().map(|w| i128::from(w.actual_net).abs()).sum();
        let error: i128 = weeks
            .iter()
            .map(|w| (i128::from(pick(w)) - i128::from(w.actual_net)).abs())
            .sum();
        (actual > 0).then(|| basis_points(error, actual))
    };
    let actual_ending_cash = cash_at(books, end);
    let forecast_end = predicted
        .weeks
        .last()
        .map_or(predicted.starting_cash, |w| w.ending_cash.p50);
    let naive_end =
        round_minor(as_f64(cash_at(books, cut)) + naive_weekly * as_f64(weeks_days / 7));
    let inside = weeks
        .iter()
        .filter(|w| w.forecast_net_low <= w.actual_net && w.actual_net <= w.forecast_net_high)
        .count();
    let coverage_bp = (!weeks.is_empty()).then(|| {
        basis_points(
            i128::try_from(inside).unwrap_or(0),
            i128::try_from(weeks.len()).unwrap_or(1),
        )
    });
    Some(Backtest {
        cut,
        coverage_bp,
        forecast_wape_bp: wape(|w| w.forecast_net),
        naive_wape_bp: wape(|w| w.naive_net),
        weeks,
        actual_ending_cash,
        forecast_ending_cash_error: saturate(
            i128::from(forecast_end) - i128::from(actual_ending_cash),
        ),
        naive_ending_cash_error: saturate(i128::from(naive_end) - i128::from(actual_ending_cash)),
    })
}

/// The first day of the books' flow history: the first transaction's, or the first purged
/// week's Monday when retention kept its total.
fn history_start(books: &Books) -> Option<NaiveDate> {
    books
        .txns
        .iter()
        .map(|t| t.date)
        .chain(books.week_rollups.iter().map(|r| r.week))
        .min()
}

/// The books as they stood at the end of `cut`: later transactions and documents dropped,
/// documents paid later shown as open, rollups of later months dropped.
///
/// A purged month's total moves the balances on the day before the first kept transaction
/// ([`super::cash_position::rollup_balance_date`]). When that day is the cut itself (the
/// retention cutoff is the day after it), the books as of the cut keep no transaction to place
/// it by, so its amount joins the opening balances instead: the cash on the cut is what the
/// whole books say it was.
#[must_use]
pub fn books_as_of(books: &Books, cut: NaiveDate) -> Books {
    let mut before = books.clone();
    let first_kept = books.txns.iter().map(|t| t.date).min();
    let kept_before_cut = first_kept.is_some_and(|d| d <= cut);
    if !kept_before_cut {
        let mut booked_by_cut = Vec::new();
        before.flow_rollups.retain(|r| {
            let booked_whole = rollup_day(first_kept, r.month);
            let booked_alone = rollup_day(None, r.month);
            let moved = booked_whole <= cut && booked_alone > cut;
            if moved {
                booked_by_cut.push(*r);
            }
            !moved
        });
        for r in booked_by_cut {
            let ix = r.account as usize;
            if before.opening_balances.len() <= ix {
                before.opening_balances.resize(ix + 1, 0);
            }
            before.opening_balances[ix] =
                before.opening_balances[ix].saturating_add(r.inflow.saturating_add(r.outflow));
        }
    }
    before.txns.retain(|t| t.date <= cut);
    before.documents.retain(|d| d.issued <= cut);
    for doc in &mut before.documents {
        if doc.paid.is_some_and(|p| p > cut) {
            doc.paid = None;
        }
    }
    before.rollups.retain(|r| r.month <= cut);
    before.flow_rollups.retain(|r| r.month <= cut);
    before.week_rollups.retain(|r| r.week <= cut);
    // The owner's plans are made today: a forecast made at a past cut could not know them.
    before.planned.clear();
    before
}

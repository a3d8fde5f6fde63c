//! (d) Category months running far above the category's usual month.
//!
//! A category's month is judged against the category's other whole months up to `as_of`:
//! their rate of payments and the sizes of those payments. Most spending categories hold a few
//! irregular purchases a month, so one month in three or four looks high next to the median
//! month; what marks a real spike is evidence that it is not one of those chance months:
//! - it does not rest on one payment: without its largest payment the month is still at least
//!   [`SPIKE_RATIO`] times the usual month (one big payment is the amount rules' business);
//! - the excess matters: at least [`MIN_EXCESS_SHARE`] of a typical month's outflow;
//! - it is unlikely by chance: more payments than the usual rate makes plausible (a Poisson
//!   tail below [`MAX_COUNT_TAIL`]), or a total far above what the usual rate and sizes give
//!   ([`SPIKE_Z`] standard deviations of a compound Poisson month).

use super::anomalies::{Anomaly, AnomalyKind, Evidence, Figure, Severity};
use super::anomaly_rules::Context;
use super::dates::{add_months, months_between};
use super::stats::{as_f64, poisson_tail, round_minor, saturate};
use crate::Txn;
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Fewest other whole months a category needs before one of its months is judged …
const MIN_OTHER_MONTHS: usize = 6;
/// … and fewest payments in them.
const MIN_OTHER_PAYMENTS: usize = 4;
/// Without its largest payment, a month must reach this many times the usual month …
const SPIKE_RATIO: f64 = 2.0;
/// … by at least this share of the business's typical monthly outflow …
const MIN_EXCESS_SHARE: f64 = 0.025;
/// … and either hold so many payments that the usual rate makes them this unlikely …
const MAX_COUNT_TAIL: f64 = 0.05;
/// … or exceed the usual month by this many standard deviations of a compound Poisson month.
const SPIKE_Z: f64 = 2.5;
/// Last year's same month, itself a spike, at this share of the month means it is seasonal.
const SEASONAL_SHARE: f64 = 0.8;

/// One category's payments in one whole month.
#[derive(Default)]
struct Month<'a> {
    total: i128,
    sum_of_squares: f64,
    txns: Vec<&'a Txn>,
}

impl Month<'_> {
    fn largest(&self) -> i64 {
        self.txns
            .iter()
            .map(|t| t.amount.saturating_neg())
            .max()
            .unwrap_or(0)
    }
}

/// One category's whole months: those with payments, by index from the first whole month of the
/// books, out of `month_count` (empty months are counted, not held: books may span centuries).
struct Series<'a> {
    months: BTreeMap<usize, Month<'a>>,
    month_count: usize,
    payments: usize,
    total: i128,
    sum_of_squares: f64,
}

/// What a month looks like against the category's other months.
struct Judgement {
    /// The usual month: the other months' mean outflow.
    usual: f64,
    /// The month's outflow without its largest payment.
    trimmed: f64,
    /// Chance evidence: a count or an amount this high is unlikely.
    unlikely: bool,
}

impl Series<'_> {
    /// `None` for a month without payments: it can be no spike.
    fn judge(&self, index: usize) -> Option<Judgement> {
        let month = self.months.get(&index)?;
        let other_months = self.month_count.saturating_sub(1);
        let other_payments = self.payments - month.txns.len();
        if other_months < MIN_OTHER_MONTHS || other_payments < MIN_OTHER_PAYMENTS {
            return None;
        }
        #[expect(
            clippy::cast_precision_loss,
            reason = "a statistical estimate over small counts, not an amount"
        )]
        let (months_f, payments_f) = (other_months as f64, other_payments as f64);
        let other_total = as_f64(saturate(self.total - month.total));
        let rate = payments_f / months_f;
        let mean_square = (self.sum_of_squares - month.sum_of_squares).max(0.0) / payments_f;
        let usual = other_total / months_f;
        let trimmed = as_f64(saturate(month.total)) - as_f64(month.largest());
        let spread = (rate * mean_square).sqrt().max(1.0);
        let count = u64::try_from(month.txns.len()).unwrap_or(u64::MAX);
        let unlikely =
            poisson_tail(rate, count) <= MAX_COUNT_TAIL || (trimmed - usual) / spread >= SPIKE_Z;
        Some(Judgement {
            usual,
            trimmed,
            unlikely,
        })
    }

    fn is_spike(&self, index: usize, min_excess: f64) -> Option<Judgement> {
        self.judge(index).filter(|j| {
            j.usual > 0.0
                && j.unlikely
                && j.trimmed >= SPIKE_RATIO * j.usual
                && j.trimmed - j.usual >= min_excess
        })
    }
}

/// Spikes per category, leaving out payments of recurring counterparties (their schedule,
/// e.g. a third payroll in a month, explains them; their price changes are reported there).
///
/// Payments already reported (a duplicate, a large first payment) are left out: their anomaly
/// explains them, and a month is not a second anomaly for the same cause.
pub(crate) fn category_spikes(
    ctx: &Context,
    reported: &HashSet<i64>,
    recurring_counterparties: &HashSet<u32>,
) -> Vec<Anomaly> {
    let Some((first_full, last_full)) = ctx.full_months else {
        return Vec::new();
    };
    let month_count =
        usize::try_from(months_between(first_full, last_full).saturating_add(1)).unwrap_or(0);
    let index_of = |date: NaiveDate| {
        usize::try_from(months_between(first_full, date))
            .ok()
            .filter(|&i| i < month_count)
    };
    let mut categories: HashMap<u32, Series> = HashMap::new();
    for t in ctx.txns.iter().filter(|t| t.amount < 0) {
        let Some(index) = index_of(t.date) else {
            continue;
        };
        if recurring_counterparties.contains(&t.counterparty) || reported.contains(&t.id) {
            continue;
        }
        let series = categories.entry(t.category).or_insert_with(|| Series {
            months: BTreeMap::new(),
            month_count,
            payments: 0,
            total: 0,
            sum_of_squares: 0.0,
        });
        let size = t.amount.saturating_neg();
        let square = as_f64(size) * as_f64(size);
        let month = series.months.entry(index).or_default();
        month.total += i128::from(size);
        month.sum_of_squares += square;
        month.txns.push(t);
        series.payments += 1;
        series.total += i128::from(size);
        series.sum_of_squares += square;
    }
    let min_excess = ctx.material(MIN_EXCESS_SHARE);
    let mut found = Vec::new();
    for (&category, series) in &categories {
        for (&index, payments) in &series.months {
            let month = add_months(first_full, u32::try_from(index).unwrap_or(u32::MAX));
            let month_end = add_months(month, 1).pred_opt().unwrap_or(month);
            if !ctx.in_window(month_end) {
                continue;
            }
            let Some(judgement) = series.is_spike(index, min_excess) else {
                continue;
            };
            let total = saturate(payments.total);
            if is_seasonal(series, index, total, min_excess) {
                continue;
            }
            found.push(spike(ctx, category, month, total, &judgement, payments));
        }
    }
    found
}

/// Last year's same month was as high and itself a spike: a season, not an oddity.
fn is_seasonal(series: &Series, index: usize, total: i64, min_excess: f64) -> bool {
    let Some(last_year) = index.checked_sub(12) else {
        return false;
    };
    let last_total = series
        .months
        .get(&last_year)
        .map_or(0, |m| saturate(m.total));
    as_f64(last_total) >= SEASONAL_SHARE * as_f64(total)
        && series.is_spike(last_year, min_excess).is_some()
}

fn spike(
    ctx: &Context,
    category: u32,
    month: NaiveDate,
    total: i64,
    judgement: &Judgement,
    payments: &Month,
) -> Anomaly {
    let usual = round_minor(judgement.usual);
    let ratio = as_f64(total) / judgement.usual;
    let mut biggest: Vec<&Txn> = payments.txns.clone();
    biggest.sort_by_key(|t| (t.amount, t.id));
    biggest.truncate(3);
    let severity = if ratio >= 3.0 {
        Severity::High
    } else {
        Severity::Medium
    };
    let title = format!(
        "{} spending in {} was {} ({ratio:.1}× its usual month of {}, over {} payments)",
        ctx.category(category),
        month.format("%B %Y"),
        ctx.money(total),
        ctx.money(usual),
        payments.txns.len()
    );
    Anomaly {
        kind: AnomalyKind::CategorySpike,
        severity,
        date: month,
        title,
        counterparty: None,
        category: Some(ctx.category(category)),
        evidence: Evidence {
            figures: vec![
                Figure {
                    label: "month_outflow",
                    amount: -total,
                },
                Figure {
                    label: "usual_month",
                    amount: -usual,
                },
                Figure {
                    label: "excess",
                    amount: saturate(i128::from(usual) - i128::from(total)),
                },
            ],
            txn_ids: biggest.iter().map(|t| t.id).collect(),
        },
    }
}

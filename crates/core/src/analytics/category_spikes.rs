//! (d) Category months running far above the median of their previous six months.

use super::anomalies::{Anomaly, AnomalyKind, Evidence, Figure, Severity};
use super::anomaly_rules::Context;
use super::dates::{add_days, add_months, month_start};
use super::stats::{as_f64, mad_i64, median_i64, saturate};
use crate::Txn;
use chrono::{Datelike, NaiveDate};
use std::collections::{BTreeMap, HashMap, HashSet};

const PRIOR_MONTHS: u32 = 6;
/// A month must exceed the prior median by this factor …
const SPIKE_RATIO: f64 = 1.5;
/// … and by this many robust standard deviations.
const SPIKE_Z: f64 = 4.0;
/// Last year's same month at this share of the spike means it is seasonal, not odd.
const SEASONAL_SHARE: f64 = 0.8;
/// Share of an excess explained by one already-flagged transaction that makes it a repeat.
const EXPLAINED_SHARE: f64 = 0.5;
/// An excess below this share of the business's median monthly spending is not worth a look.
const MIN_EXCESS_SHARE: f64 = 0.02;

/// Outflow totals (positive) and the transactions behind them, per category and month.
type Months<'a> = HashMap<u32, BTreeMap<NaiveDate, (i128, Vec<&'a Txn>)>>;

/// Spikes per category, leaving out payments of recurring counterparties (their schedule,
/// e.g. a third payroll in a month, explains them; their price changes are reported there).
pub(crate) fn category_spikes(
    ctx: &Context,
    flagged: &HashSet<i64>,
    recurring_counterparties: &HashSet<u32>,
) -> Vec<Anomaly> {
    let Some(first) = ctx.first_date else {
        return Vec::new();
    };
    // Only whole months: the one holding the first transaction, and the one still running
    // at `as_of`, are partial.
    let first_full = add_months(month_start(first), u32::from(first.day() != 1));
    let last_full = if add_days(ctx.as_of, 1).day() == 1 {
        month_start(ctx.as_of)
    } else {
        month_start(ctx.as_of)
            .checked_sub_months(chrono::Months::new(1))
            .unwrap_or(NaiveDate::MIN)
    };
    let mut months: Months = HashMap::new();
    let mut all_months: BTreeMap<NaiveDate, i128> = BTreeMap::new();
    for t in ctx.txns.iter().filter(|t| t.amount < 0) {
        *all_months.entry(month_start(t.date)).or_default() -= i128::from(t.amount);
        if recurring_counterparties.contains(&t.counterparty) {
            continue;
        }
        let cell = months
            .entry(t.category)
            .or_default()
            .entry(month_start(t.date))
            .or_default();
        cell.0 -= i128::from(t.amount);
        cell.1.push(t);
    }
    if first_full > last_full {
        return Vec::new();
    }
    let monthly_totals: Vec<i64> = all_months
        .range(first_full..=last_full)
        .map(|(_, &total)| saturate(total))
        .collect();
    let min_excess = MIN_EXCESS_SHARE * as_f64(median_i64(&monthly_totals).unwrap_or(0));
    let mut found = Vec::new();
    for (&category, series) in &months {
        for (&month, (total, txns)) in series {
            if month > last_full || !ctx.in_window(add_months(month, 1).pred_opt().unwrap_or(month))
            {
                continue;
            }
            let Some(prior_start) = month.checked_sub_months(chrono::Months::new(PRIOR_MONTHS))
            else {
                continue;
            };
            if prior_start < first_full {
                continue;
            }
            let prior: Vec<i64> = (0..PRIOR_MONTHS)
                .map(|i| {
                    series
                        .get(&add_months(prior_start, i))
                        .map_or(0, |c| saturate(c.0))
                })
                .collect();
            let judged = judge(ctx, category, month, *total, &prior, txns, series, flagged);
            if let Some(spike) = judged.filter(|s| excess_of(s) >= min_excess) {
                found.push(spike);
            }
        }
    }
    found
}

fn excess_of(spike: &Anomaly) -> f64 {
    spike
        .evidence
        .figures
        .iter()
        .find(|f| f.label == "excess")
        .map_or(0.0, |f| -as_f64(f.amount))
}

#[allow(clippy::too_many_arguments)]
fn judge(
    ctx: &Context,
    category: u32,
    month: NaiveDate,
    total: i128,
    prior: &[i64],
    txns: &[&Txn],
    series: &BTreeMap<NaiveDate, (i128, Vec<&Txn>)>,
    flagged: &HashSet<i64>,
) -> Option<Anomaly> {
    let total = saturate(total);
    let median = median_i64(prior)?;
    let mad = mad_i64(prior, median)?;
    if median <= 0 || prior.iter().filter(|&&p| p > 0).count() < 4 {
        return None;
    }
    let excess = as_f64(total) - as_f64(median);
    let ratio = as_f64(total) / as_f64(median);
    let scale = (1.4826 * as_f64(mad)).max(0.05 * as_f64(median));
    if ratio < SPIKE_RATIO || excess < SPIKE_Z * scale {
        return None;
    }
    let last_year = month
        .checked_sub_months(chrono::Months::new(12))
        .and_then(|m| series.get(&m))
        .map_or(0, |c| saturate(c.0));
    if as_f64(last_year) >= SEASONAL_SHARE * as_f64(total) {
        return None;
    }
    let mut biggest: Vec<&Txn> = txns.to_vec();
    biggest.sort_by_key(|t| (t.amount, t.id));
    biggest.truncate(3);
    let top = biggest.first()?;
    if flagged.contains(&top.id) && -as_f64(top.amount) >= EXPLAINED_SHARE * excess {
        return None;
    }
    let severity = if ratio >= 3.0 {
        Severity::High
    } else if ratio >= 2.0 {
        Severity::Medium
    } else {
        Severity::Low
    };
    let title = format!(
        "{} spending in {} was {} ({ratio:.1}× the 6-month median of {})",
        ctx.category(category),
        month.format("%B %Y"),
        ctx.money(total),
        ctx.money(median)
    );
    Some(Anomaly {
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
                    label: "six_month_median",
                    amount: -median,
                },
                Figure {
                    label: "excess",
                    amount: saturate(i128::from(median) - i128::from(total)),
                },
            ],
            txn_ids: biggest.iter().map(|t| t.id).collect(),
        },
    })
}

//! The per-transaction anomaly rules and the context they share.

use super::anomalies::{Anomaly, AnomalyKind, Evidence, Figure, Severity};
use super::cashflow::display_name;
use super::dates::{add_days, add_months, days_between, month_start, months_between};
use super::stats::{as_f64, mad_i64, median_i64, median_with_zeros, saturate};
use crate::money::format_minor;
use crate::{Books, Txn};
use chrono::{Datelike, NaiveDate};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Fewest payments to a counterparty (the judged one included) before its amounts are judged.
const MIN_HISTORY: usize = 8;
/// Robust z-score ((x − median) / (1.4826·MAD)) above which a payment is an outlier. High,
/// because a counterparty's amounts are rarely normal: a heavy tail is common and harmless.
const OUTLIER_Z: f64 = 8.0;
/// An outlier must also be at least this many times the counterparty's median.
const OUTLIER_RATIO: f64 = 3.0;
/// The spread is never taken below this share of the median, so a counterparty that always
/// charges about the same does not turn every small variation into an outlier.
const MIN_SPREAD_SHARE: f64 = 0.1;
/// A counterparty with more outliers than this is heavy-tailed by habit, not odd.
const MAX_OUTLIERS_PER_COUNTERPARTY: usize = 1;
/// An outlier's excess over the median must reach this share of a typical month's outflow:
/// a 300 USD bill that is 8× its usual 40 USD does not matter to a business spending 50,000.
const OUTLIER_MATERIALITY: f64 = 0.02;
/// Days within which the same amount to the same counterparty looks like a duplicate.
const DUPLICATE_WINDOW_DAYS: i64 = 3;
/// A counterparty first seen this long after the books start counts as new.
const NEW_AFTER_DAYS: i64 = 90;
/// A new counterparty's first payment is large at this many times the typical payment …
const LARGE_FIRST_RATIO: f64 = 10.0;
/// … and at this share of a typical month's outflow.
const LARGE_FIRST_MATERIALITY: f64 = 0.2;

/// Transactions and figures every rule needs.
pub(crate) struct Context<'a> {
    pub books: &'a Books,
    pub from: NaiveDate,
    pub as_of: NaiveDate,
    /// Non-transfer transactions up to `as_of`, by date then id.
    pub txns: Vec<&'a Txn>,
    /// Median size (positive) of the business's payments out.
    pub typical_payment: i64,
    /// Median outflow (positive) of the business's whole months: the yardstick of materiality.
    pub typical_month_outflow: i64,
    pub first_date: Option<NaiveDate>,
    /// First days of the first and last whole months up to `as_of` (`None` without one).
    pub full_months: Option<(NaiveDate, NaiveDate)>,
}

impl<'a> Context<'a> {
    pub(crate) fn new(books: &'a Books, from: NaiveDate, as_of: NaiveDate) -> Self {
        let mut txns: Vec<&Txn> = books
            .txns
            .iter()
            .filter(|t| !t.transfer && t.date <= as_of)
            .collect();
        txns.sort_by_key(|t| (t.date, t.id, t.amount, t.counterparty));
        let payments: Vec<i64> = txns
            .iter()
            .filter(|t| t.amount < 0)
            .map(|t| t.amount.saturating_neg())
            .collect();
        let first_date = txns.first().map(|t| t.date);
        let full_months = first_date.and_then(|first| whole_months(first, as_of));
        Self {
            books,
            from,
            as_of,
            first_date,
            typical_payment: median_i64(&payments).unwrap_or(0),
            typical_month_outflow: full_months
                .map_or(0, |range| median_month_outflow(&txns, range)),
            full_months,
            txns,
        }
    }

    /// `share` of a typical month's outflow, in minor units.
    pub(crate) fn material(&self, share: f64) -> f64 {
        share * as_f64(self.typical_month_outflow)
    }

    pub(crate) fn in_window(&self, date: NaiveDate) -> bool {
        date >= self.from && date <= self.as_of
    }

    pub(crate) fn money(&self, minor: i64) -> String {
        format!(
            "{} {}",
            format_minor(minor, self.books.currency.exponent()),
            self.books.currency
        )
    }

    pub(crate) fn counterparty(&self, id: u32) -> String {
        display_name(&self.books.counterparties, id as usize)
    }

    pub(crate) fn category(&self, id: u32) -> String {
        display_name(&self.books.categories, id as usize)
    }

    /// Transactions grouped by counterparty (in date order), optionally only one sign.
    fn by_counterparty(&self, outflows_only: bool) -> HashMap<u32, Vec<&'a Txn>> {
        let mut groups: HashMap<u32, Vec<&Txn>> = HashMap::new();
        for t in &self.txns {
            if !outflows_only || t.amount < 0 {
                groups.entry(t.counterparty).or_default().push(t);
            }
        }
        groups
    }
}

/// The first and last whole months between the first transaction and `as_of`: the month
/// holding the first transaction and the one still running at `as_of` are partial.
fn whole_months(first: NaiveDate, as_of: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    let first_full = add_months(month_start(first), u32::from(first.day() != 1));
    let last_full = if add_days(as_of, 1).day() == 1 {
        month_start(as_of)
    } else {
        month_start(as_of).checked_sub_months(chrono::Months::new(1))?
    };
    (first_full <= last_full).then_some((first_full, last_full))
}

/// Median total outflow (positive) of the whole months in `range`, empty months included.
/// Only months with payments are held: books spanning centuries are mostly empty months.
fn median_month_outflow(txns: &[&Txn], (first, last): (NaiveDate, NaiveDate)) -> i64 {
    let mut months: BTreeMap<NaiveDate, i128> = BTreeMap::new();
    for t in txns.iter().filter(|t| t.amount < 0) {
        let month = month_start(t.date);
        if month >= first && month <= last {
            *months.entry(month).or_default() -= i128::from(t.amount);
        }
    }
    let mut totals: Vec<i64> = months.into_values().map(saturate).collect();
    totals.sort_unstable();
    let all = usize::try_from(months_between(first, last).saturating_add(1)).unwrap_or(0);
    median_with_zeros(&totals, all.saturating_sub(totals.len())).unwrap_or(0)
}

fn anomaly(
    ctx: &Context,
    kind: AnomalyKind,
    severity: Severity,
    t: &Txn,
    title: String,
    figures: Vec<Figure>,
    txn_ids: Vec<i64>,
) -> Anomaly {
    Anomaly {
        kind,
        severity,
        date: t.date,
        title,
        counterparty: Some(ctx.counterparty(t.counterparty)),
        category: Some(ctx.category(t.category)),
        evidence: Evidence { figures, txn_ids },
    }
}

/// (a) Payments far above their counterparty's history, judged with median and MAD, only
/// where the excess matters to the business. Money in is not judged: receipts from customers
/// vary by nature (one basket is ten times another), and an unusually large receipt is not a
/// risk to look into.
pub(crate) fn amount_outliers(ctx: &Context, explained: &HashSet<i64>) -> Vec<Anomaly> {
    let mut found = Vec::new();
    let min_excess = ctx.material(OUTLIER_MATERIALITY);
    for payments in ctx.by_counterparty(true).values() {
        if payments.len() < MIN_HISTORY {
            continue;
        }
        let sizes: Vec<i64> = payments.iter().map(|t| t.amount.saturating_neg()).collect();
        let Some(median) = median_i64(&sizes).filter(|&m| m > 0) else {
            continue;
        };
        let Some(mad) = mad_i64(&sizes, median) else {
            continue;
        };
        let scale = (1.4826 * as_f64(mad))
            .max(MIN_SPREAD_SHARE * as_f64(median))
            .max(1.0);
        let outliers: Vec<(&Txn, i64)> = payments
            .iter()
            .zip(&sizes)
            .filter(|&(_, &size)| {
                let excess = as_f64(size) - as_f64(median);
                excess / scale >= OUTLIER_Z
                    && as_f64(size) >= OUTLIER_RATIO * as_f64(median)
                    && excess >= min_excess
            })
            .map(|(t, &size)| (*t, size))
            .collect();
        if outliers.len() > MAX_OUTLIERS_PER_COUNTERPARTY {
            continue;
        }
        for (t, size) in outliers {
            if !ctx.in_window(t.date) || explained.contains(&t.id) {
                continue;
            }
            found.push(outlier(ctx, t, size, median, mad));
        }
    }
    found
}

fn outlier(ctx: &Context, t: &Txn, size: i64, median: i64, mad: i64) -> Anomaly {
    let ratio = as_f64(size) / as_f64(median);
    let severity = if ratio >= 5.0 {
        Severity::High
    } else {
        Severity::Medium
    };
    let title = format!(
        "Payment to {} of {} is {ratio:.1}× its usual {}",
        ctx.counterparty(t.counterparty),
        ctx.money(size),
        ctx.money(median)
    );
    let figures = vec![
        Figure {
            label: "amount",
            amount: t.amount,
        },
        Figure {
            label: "counterparty_median",
            amount: -median,
        },
        Figure {
            label: "counterparty_mad",
            amount: mad,
        },
    ];
    anomaly(
        ctx,
        AnomalyKind::AmountOutlier,
        severity,
        t,
        title,
        figures,
        vec![t.id],
    )
}

/// (b) The same amount paid to the same counterparty within a few days, where that is not
/// the counterparty's habit (a habit shows as more than one such pair in the history).
pub(crate) fn duplicate_payments(ctx: &Context) -> Vec<Anomaly> {
    let mut found = Vec::new();
    for txns in ctx.by_counterparty(true).values() {
        let mut by_amount: HashMap<i64, Vec<&Txn>> = HashMap::new();
        for t in txns {
            by_amount.entry(t.amount).or_default().push(t);
        }
        let pairs: Vec<(&Txn, &Txn)> = by_amount
            .values()
            .flat_map(|same| {
                same.windows(2)
                    .filter(|w| {
                        w[0].id != w[1].id
                            && days_between(w[0].date, w[1].date) <= DUPLICATE_WINDOW_DAYS
                    })
                    .map(|w| (w[0], w[1]))
            })
            .collect();
        let [(first, second)] = pairs.as_slice() else {
            continue;
        };
        if !ctx.in_window(second.date) {
            continue;
        }
        let size = second.amount.saturating_neg();
        let severity = if as_f64(size) >= 10.0 * as_f64(ctx.typical_payment) {
            Severity::High
        } else {
            Severity::Medium
        };
        let title = format!(
            "Possible duplicate payment: {} paid {} twice within {} days",
            ctx.counterparty(second.counterparty),
            ctx.money(size),
            days_between(first.date, second.date)
        );
        let figures = vec![
            Figure {
                label: "amount",
                amount: second.amount,
            },
            Figure {
                label: "duplicated_total",
                amount: saturate(i128::from(second.amount) * 2),
            },
        ];
        found.push(anomaly(
            ctx,
            AnomalyKind::DuplicatePayment,
            severity,
            second,
            title,
            figures,
            vec![first.id, second.id],
        ));
    }
    found
}

/// (c) A counterparty first seen well after the books start whose first payment dwarfs the
/// business's typical payment. A counterparty that turned out to be on a schedule (an annual
/// premium, say) is explained by it.
pub(crate) fn large_new_counterparties(
    ctx: &Context,
    recurring_counterparties: &HashSet<u32>,
) -> Vec<Anomaly> {
    let (Some(start), true) = (ctx.first_date, ctx.typical_payment > 0) else {
        return Vec::new();
    };
    let new_after = add_days(start, NEW_AFTER_DAYS);
    let mut first_seen: HashMap<u32, &Txn> = HashMap::new();
    for t in &ctx.txns {
        first_seen.entry(t.counterparty).or_insert(t);
    }
    let mut found = Vec::new();
    for t in first_seen.values() {
        let size = t.amount.saturating_neg();
        let ratio = as_f64(size) / as_f64(ctx.typical_payment);
        if t.amount >= 0
            || t.date < new_after
            || recurring_counterparties.contains(&t.counterparty)
            || !ctx.in_window(t.date)
            || ratio < LARGE_FIRST_RATIO
            || as_f64(size) < ctx.material(LARGE_FIRST_MATERIALITY)
        {
            continue;
        }
        let severity = if ratio >= 25.0 {
            Severity::High
        } else {
            Severity::Medium
        };
        let title = format!(
            "New counterparty {} received {} on first payment, {ratio:.0}× a typical payment of {}",
            ctx.counterparty(t.counterparty),
            ctx.money(size),
            ctx.money(ctx.typical_payment)
        );
        let figures = vec![
            Figure {
                label: "amount",
                amount: t.amount,
            },
            Figure {
                label: "typical_payment",
                amount: -ctx.typical_payment,
            },
        ];
        found.push(anomaly(
            ctx,
            AnomalyKind::LargeNewCounterparty,
            severity,
            t,
            title,
            figures,
            vec![t.id],
        ));
    }
    found
}

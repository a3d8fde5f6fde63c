//! The per-transaction anomaly rules and the context they share.

use super::anomalies::{Anomaly, AnomalyKind, Evidence, Figure, Severity};
use super::cashflow::display_name;
use super::dates::{add_days, days_between};
use super::stats::{as_f64, mad_i64, median_i64, saturate};
use crate::money::format_minor;
use crate::{Books, Txn};
use chrono::NaiveDate;
use std::collections::{HashMap, HashSet};

/// Fewest earlier payments to a counterparty before its amounts are judged.
const MIN_HISTORY: usize = 6;
/// Robust z-score (|x − median| / (1.4826·MAD)) above which an amount is an outlier.
const OUTLIER_Z: f64 = 6.0;
/// An outlier must also be at least this many times the counterparty's median.
const OUTLIER_RATIO: f64 = 2.0;
/// Days within which the same amount to the same counterparty looks like a duplicate.
const DUPLICATE_WINDOW_DAYS: i64 = 3;
/// A counterparty first seen this long after the books start counts as new.
const NEW_AFTER_DAYS: i64 = 90;
/// A new counterparty's first payment is large at this many times the typical payment.
const LARGE_FIRST_RATIO: f64 = 10.0;

/// Transactions and figures every rule needs.
pub(crate) struct Context<'a> {
    pub books: &'a Books,
    pub from: NaiveDate,
    pub as_of: NaiveDate,
    /// Non-transfer transactions up to `as_of`, by date then id.
    pub txns: Vec<&'a Txn>,
    /// Median size (positive) of the business's payments out.
    pub typical_payment: i64,
    pub first_date: Option<NaiveDate>,
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
        Self {
            books,
            from,
            as_of,
            first_date: txns.first().map(|t| t.date),
            typical_payment: median_i64(&payments).unwrap_or(0),
            txns,
        }
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

/// (a) Amounts far above their counterparty's history, judged with median and MAD per
/// direction (money in and money out apart).
pub(crate) fn amount_outliers(ctx: &Context) -> Vec<Anomaly> {
    let mut found = Vec::new();
    for txns in ctx.by_counterparty(false).values() {
        for inflows in [true, false] {
            let side: Vec<&Txn> = txns
                .iter()
                .copied()
                .filter(|t| (t.amount >= 0) == inflows)
                .collect();
            if side.len() <= MIN_HISTORY {
                continue;
            }
            let sizes: Vec<i64> = side.iter().map(|t| t.amount.saturating_abs()).collect();
            let (Some(median), Some(mad)) = (
                median_i64(&sizes),
                median_i64(&sizes).and_then(|m| mad_i64(&sizes, m)),
            ) else {
                continue;
            };
            if median <= 0 {
                continue;
            }
            let scale = (1.4826 * as_f64(mad)).max(0.05 * as_f64(median)).max(1.0);
            for (t, &size) in side.iter().zip(&sizes) {
                let ratio = as_f64(size) / as_f64(median);
                let z = (as_f64(size) - as_f64(median)) / scale;
                if !ctx.in_window(t.date) || z < OUTLIER_Z || ratio < OUTLIER_RATIO {
                    continue;
                }
                let severity = if ratio >= 5.0 {
                    Severity::High
                } else if ratio >= 3.0 {
                    Severity::Medium
                } else {
                    Severity::Low
                };
                let direction = if inflows {
                    "Receipt from"
                } else {
                    "Payment to"
                };
                let title = format!(
                    "{direction} {} of {} is {ratio:.1}× its usual {}",
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
                        amount: if inflows { median } else { -median },
                    },
                    Figure {
                        label: "counterparty_mad",
                        amount: mad,
                    },
                ];
                found.push(anomaly(
                    ctx,
                    AnomalyKind::AmountOutlier,
                    severity,
                    t,
                    title,
                    figures,
                    vec![t.id],
                ));
            }
        }
    }
    found
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

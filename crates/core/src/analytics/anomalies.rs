//! Anomalies worth a look: an amount far outside its counterparty's history, a likely
//! duplicate payment, a new counterparty with an unusually large first payment, and a
//! category whose month runs far above its recent median. Tuned for few false positives.

use super::anomaly_rules::{
    Context, amount_outliers, duplicate_payments, large_new_counterparties,
};
use super::category_spikes::category_spikes;
use super::dates::month_start;
use super::recurring::detect_recurring;
use crate::Books;
use crate::money::Currency;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashSet;

/// What kind of oddity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnomalyKind {
    /// A payment far above its counterparty's usual amount (median + MAD) by a material sum.
    AmountOutlier,
    /// The same amount paid to the same counterparty twice within a few days.
    DuplicatePayment,
    /// A counterparty never seen before whose first payment is unusually large.
    LargeNewCounterparty,
    /// A category's monthly spending far above its usual month, not resting on one payment.
    CategorySpike,
}

impl AnomalyKind {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            AnomalyKind::AmountOutlier => "amount_outlier",
            AnomalyKind::DuplicatePayment => "duplicate_payment",
            AnomalyKind::LargeNewCounterparty => "large_new_counterparty",
            AnomalyKind::CategorySpike => "category_spike",
        }
    }
}

/// How much attention it deserves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

/// A named figure in minor units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Figure {
    pub label: &'static str,
    pub amount: i64,
}

/// The figures and transactions behind an anomaly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    pub figures: Vec<Figure>,
    pub txn_ids: Vec<i64>,
}

/// One anomaly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Anomaly {
    pub kind: AnomalyKind,
    pub severity: Severity,
    pub date: NaiveDate,
    pub title: String,
    pub counterparty: Option<String>,
    pub category: Option<String>,
    pub evidence: Evidence,
}

/// The anomalies report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnomaliesReport {
    pub currency: Currency,
    pub from: Option<NaiveDate>,
    pub as_of: NaiveDate,
    /// Most severe first, then newest first.
    pub anomalies: Vec<Anomaly>,
}

/// Finds anomalies dated in `[from, as_of]` (`from` defaults to the start of the books),
/// judging each against the history up to `as_of`.
#[must_use]
pub fn anomalies(books: &Books, from: Option<NaiveDate>, as_of: NaiveDate) -> AnomaliesReport {
    let ctx = Context::new(books, from.unwrap_or(NaiveDate::MIN), as_of);
    let recurring: HashSet<u32> = detect_recurring(books, as_of)
        .iter()
        .map(|item| item.counterparty_id)
        .collect();
    let mut found = Vec::new();
    found.extend(duplicate_payments(&ctx));
    found.extend(large_new_counterparties(&ctx, &recurring));
    // One anomaly per cause: a payment already reported is not an outlier as well.
    let reported: HashSet<i64> = found
        .iter()
        .flat_map(|a: &Anomaly| a.evidence.txn_ids.iter().copied())
        .collect();
    found.extend(amount_outliers(&ctx, &reported));
    let spikes = category_spikes(&ctx, &reported, &recurring);
    // A payment that is part of a category's spike month is explained by the spike.
    found.retain(|a| {
        a.kind != AnomalyKind::AmountOutlier
            || !spikes
                .iter()
                .any(|s| s.category == a.category && s.date == month_start(a.date))
    });
    found.extend(spikes);
    found.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.date.cmp(&a.date))
            .then(a.kind.as_str().cmp(b.kind.as_str()))
            .then(a.evidence.txn_ids.cmp(&b.evidence.txn_ids))
            .then(a.title.cmp(&b.title))
    });
    AnomaliesReport {
        currency: books.currency,
        from,
        as_of,
        anomalies: found,
    }
}

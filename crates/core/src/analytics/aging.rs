//! Receivables and payables aging as of a day, DSO, late-paying customers and how much of
//! the revenue the largest customers bring (from invoices, else from operating receipts: an
//! owner's capital or a loan is not revenue).

use super::cashflow::display_name;
use super::dates::{add_days, days_between};
use super::doc_matching::{days_late_by_counterparty, is_open};
use super::stats::{as_f64, basis_points, median_i64, saturate};
use crate::money::Currency;
use crate::{Books, DocKind};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashMap;

/// Bucket labels by days past due: current, 1–30, 31–60, 61–90, over 90.
pub const BUCKETS: [&str; 5] = ["current", "1-30", "31-60", "61-90", "90+"];
/// A customer whose median lateness exceeds this many days is a late payer.
const LATE_PAYER_DAYS: i64 = 7;
/// Paid invoices needed before judging a customer's habit.
const LATE_PAYER_MIN_INVOICES: usize = 2;
/// Days of invoicing DSO is measured against.
const DSO_DAYS: i64 = 90;
/// Days of revenue the concentration is measured over.
const CONCENTRATION_DAYS: i64 = 365;

/// Open amounts past due by bucket (same order as [`BUCKETS`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CounterpartyAging {
    pub name: String,
    pub total: i64,
    pub buckets: Vec<i64>,
}

/// Receivables or payables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgingSide {
    pub total: i64,
    pub count: usize,
    /// Open amount per bucket (same order as [`BUCKETS`]).
    pub buckets: Vec<i64>,
    pub bucket_counts: Vec<usize>,
    /// Largest balance first.
    pub by_counterparty: Vec<CounterpartyAging>,
}

/// A customer who habitually pays late.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LatePayer {
    pub customer: String,
    pub paid_invoices: usize,
    pub median_days_late: i64,
    pub open_amount: i64,
    pub overdue_amount: i64,
}

/// One of the largest customers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomerShare {
    pub customer: String,
    pub revenue: i64,
    pub share_bp: i64,
}

/// Share of the last year's revenue from the largest customers, in basis points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Concentration {
    /// `invoices` when the books hold invoices, else `receipts` (money in by counterparty).
    pub basis: &'static str,
    pub revenue: i64,
    pub top1_bp: i64,
    pub top3_bp: i64,
    pub top5_bp: i64,
    pub top_customers: Vec<CustomerShare>,
}

/// The aging report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgingReport {
    pub currency: Currency,
    pub as_of: NaiveDate,
    pub receivables: AgingSide,
    pub payables: AgingSide,
    /// Days sales outstanding over the last 90 days; `None` without invoicing.
    pub dso_days: Option<f64>,
    pub late_payers: Vec<LatePayer>,
    pub concentration: Concentration,
}

/// Ages open invoices and bills as of `as_of`.
#[must_use]
pub fn aging(books: &Books, as_of: NaiveDate) -> AgingReport {
    let receivables = side(books, DocKind::Invoice, as_of);
    let invoiced: i128 = books
        .documents
        .iter()
        .filter(|d| d.kind == DocKind::Invoice && d.issued <= as_of)
        .filter(|d| d.issued > add_days(as_of, -DSO_DAYS))
        .map(|d| i128::from(d.amount))
        .sum();
    let dso_days = (invoiced > 0).then(|| {
        let days = as_f64(receivables.total) / as_f64(saturate(invoiced)) * as_f64(DSO_DAYS);
        (days * 10.0).round() / 10.0
    });
    AgingReport {
        currency: books.currency,
        as_of,
        payables: side(books, DocKind::Bill, as_of),
        late_payers: late_payers(books, as_of, &receivables),
        receivables,
        dso_days,
        concentration: concentration(books, as_of),
    }
}

fn bucket_of(days_past_due: i64) -> usize {
    match days_past_due {
        i64::MIN..=0 => 0,
        1..=30 => 1,
        31..=60 => 2,
        61..=90 => 3,
        _ => 4,
    }
}

fn side(books: &Books, kind: DocKind, as_of: NaiveDate) -> AgingSide {
    let mut buckets = [0i128; 5];
    let mut counts = [0usize; 5];
    let mut per: HashMap<u32, [i128; 5]> = HashMap::new();
    for doc in books
        .documents
        .iter()
        .filter(|d| d.kind == kind && is_open(d, as_of))
    {
        let b = bucket_of(days_between(doc.due, as_of));
        buckets[b] += i128::from(doc.amount);
        counts[b] += 1;
        per.entry(doc.counterparty).or_default()[b] += i128::from(doc.amount);
    }
    let mut by_counterparty: Vec<CounterpartyAging> = per
        .into_iter()
        .map(|(id, amounts)| CounterpartyAging {
            name: display_name(&books.counterparties, id as usize),
            total: saturate(amounts.iter().sum()),
            buckets: amounts.iter().map(|&a| saturate(a)).collect(),
        })
        .collect();
    by_counterparty.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.name.cmp(&b.name)));
    AgingSide {
        total: saturate(buckets.iter().sum()),
        count: counts.iter().sum(),
        buckets: buckets.iter().map(|&a| saturate(a)).collect(),
        bucket_counts: counts.to_vec(),
        by_counterparty,
    }
}

fn late_payers(books: &Books, as_of: NaiveDate, receivables: &AgingSide) -> Vec<LatePayer> {
    let mut payers: Vec<LatePayer> = days_late_by_counterparty(books, DocKind::Invoice, as_of)
        .into_iter()
        .filter(|(_, days)| days.len() >= LATE_PAYER_MIN_INVOICES)
        .filter_map(|(id, days)| {
            let median = median_i64(&days)?;
            let name = display_name(&books.counterparties, id as usize);
            let open = receivables.by_counterparty.iter().find(|c| c.name == name);
            (median > LATE_PAYER_DAYS).then(|| LatePayer {
                paid_invoices: days.len(),
                median_days_late: median,
                open_amount: open.map_or(0, |c| c.total),
                overdue_amount: open.map_or(0, |c| {
                    saturate(c.buckets.iter().skip(1).map(|&a| i128::from(a)).sum())
                }),
                customer: name,
            })
        })
        .collect();
    payers.sort_by(|a, b| {
        b.median_days_late
            .cmp(&a.median_days_late)
            .then_with(|| a.customer.cmp(&b.customer))
    });
    payers
}

fn concentration(books: &Books, as_of: NaiveDate) -> Concentration {
    let since = add_days(as_of, -CONCENTRATION_DAYS);
    let mut revenue: HashMap<u32, i128> = HashMap::new();
    let mut basis = "invoices";
    for d in &books.documents {
        if d.kind == DocKind::Invoice && d.issued > since && d.issued <= as_of {
            *revenue.entry(d.counterparty).or_default() += i128::from(d.amount);
        }
    }
    if revenue.is_empty() {
        basis = "receipts";
        for t in &books.txns {
            if t.is_operating() && t.amount > 0 && t.date > since && t.date <= as_of {
                *revenue.entry(t.counterparty).or_default() += i128::from(t.amount);
            }
        }
    }
    let mut ranked: Vec<(String, i128)> = revenue
        .into_iter()
        .filter(|(_, amount)| *amount > 0)
        .map(|(id, amount)| (display_name(&books.counterparties, id as usize), amount))
        .collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let total: i128 = ranked.iter().map(|r| r.1).sum();
    let top = |n: usize| basis_points(ranked.iter().take(n).map(|r| r.1).sum(), total);
    Concentration {
        basis,
        revenue: saturate(total),
        top1_bp: top(1),
        top3_bp: top(3),
        top5_bp: top(5),
        top_customers: ranked
            .iter()
            .take(5)
            .map(|(name, amount)| CustomerShare {
                customer: name.clone(),
                revenue: saturate(*amount),
                share_bp: basis_points(*amount, total),
            })
            .collect(),
    }
}

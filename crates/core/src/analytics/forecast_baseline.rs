//! The forecast's baseline history: weekly totals of the flows that are neither recurring
//! items nor known documents, split into four streams (raw transactions, or the weekly
//! rollups of purged ones). [`super::forecast_model`] chooses a method for each.
//!
//! Weekly buckets hold every weekday once, so a day-of-week pattern cancels out at this
//! resolution; what remains to model is the level, the trend and the week of the year.

use super::dates::{add_days, days_between};
use super::stats::{as_f64, saturate};
use crate::Books;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashSet;

/// Most weeks of history looked at.
const MAX_HISTORY_WEEKS: usize = 156;

/// The separately modelled weekly streams of the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Stream {
    /// Money in that pays no known invoice.
    #[serde(rename = "other_inflows")]
    OtherIn,
    /// Money out that pays no known bill and is no recurring payment.
    #[serde(rename = "other_outflows")]
    OtherOut,
    /// Receipts of invoices (future ones: the open ones are counted explicitly).
    #[serde(rename = "invoice_receipts")]
    InvoicesPaid,
    /// Payments of bills (future ones: the open ones are counted explicitly).
    #[serde(rename = "bill_payments")]
    BillsPaid,
}

impl Stream {
    /// Every stream, in the order of [`History::weeks`].
    pub const ALL: [Stream; 4] = [
        Stream::OtherIn,
        Stream::OtherOut,
        Stream::InvoicesPaid,
        Stream::BillsPaid,
    ];

    /// Whether the stream brings money in.
    #[must_use]
    pub fn is_inflow(self) -> bool {
        matches!(self, Stream::OtherIn | Stream::InvoicesPaid)
    }
}

/// Weekly history of each stream; index 0 is the week ending on `as_of`.
pub(crate) struct History {
    /// The last day of week 0.
    pub as_of: NaiveDate,
    /// `[stream][week]` in minor units.
    pub weeks: [Vec<f64>; 4],
    /// All money in and all money out (`[0]` and `[1]`) per week, recurring payments and
    /// payments of documents included: what the whole forecast is measured against.
    pub totals: [Vec<f64>; 2],
    /// Weeks of history, from raw transactions or the weekly rollups of purged ones.
    pub raw_weeks: usize,
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
        let mut totals: [Vec<i128>; 2] = std::array::from_fn(|_| vec![0; raw_weeks]);
        for t in books.txns.iter().filter(|t| !t.transfer && t.date <= as_of) {
            let Ok(w) = usize::try_from(days_between(t.date, as_of) / 7) else {
                continue;
            };
            if w >= raw_weeks {
                continue;
            }
            totals[usize::from(t.amount < 0)][w] += i128::from(t.amount);
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
        add_week_rollups(
            &mut exact,
            &mut totals,
            books,
            as_of,
            recurring_counterparties,
        );
        let to_f64 = |series: Vec<i128>| series.into_iter().map(|v| as_f64(saturate(v))).collect();
        Self {
            as_of,
            weeks: exact.map(to_f64),
            totals: totals.map(to_f64),
            raw_weeks,
        }
    }
}

/// Adds the weekly rollups of purged transactions to the streams. A rollup week lands in
/// the history week that holds its Thursday (the one holding most of its days; all of them
/// when `as_of` is a Sunday, so the history is then exactly what it was before the purge).
/// Payments of documents cannot be told apart once purged: they count as other flows.
fn add_week_rollups(
    exact: &mut [Vec<i128>; 4],
    totals: &mut [Vec<i128>; 2],
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
        totals[0][w] += i128::from(r.inflow);
        totals[1][w] += i128::from(r.outflow);
        if !recurring_counterparties.contains(&r.counterparty) {
            exact[Stream::OtherOut as usize][w] += i128::from(r.outflow);
        }
    }
}

//! What the books already say about the weeks after a day: open invoices (arriving after each
//! customer's own median lateness), open bills (on their due dates) and recurring payments
//! (on their next dates), placed in forecast weeks; and how long documents take to be paid,
//! which decides how much of the baseline's invoice receipts and bill payments can land in
//! each week. The forecast uses them from its own day, and [`super::forecast_calibration`]
//! from each past origin of its backtests.

use super::dates::{add_days, days_between};
use super::doc_matching::{is_open, median_days_late, payment_lags};
use super::forecast::HORIZON_WEEKS;
use super::forecast_baseline::Stream;
use super::recurring::RecurringItem;
use crate::{Books, DocKind};
use chrono::NaiveDate;

/// The last day of forecast week `k` (0-based) after `as_of`.
pub(crate) fn week_end(as_of: NaiveDate, k: usize) -> NaiveDate {
    add_days(as_of, 7 * (i64::try_from(k).unwrap_or(0) + 1))
}

/// The forecast week holding `date` (anything on or before `as_of` counts in the first).
fn week_of(as_of: NaiveDate, date: NaiveDate) -> usize {
    let offset = days_between(as_of, date).max(1) - 1;
    usize::try_from(offset / 7).unwrap_or(usize::MAX)
}

/// Exact known amounts per forecast week, in minor units.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct KnownFlows {
    /// Receipts of open invoices.
    pub invoices: [i128; HORIZON_WEEKS],
    /// Amounts of open bills due (positive: they are paid out).
    pub bills: [i128; HORIZON_WEEKS],
    /// Recurring payments (negative: money out).
    pub recurring: [i128; HORIZON_WEEKS],
}

impl KnownFlows {
    /// Open documents and the expected dates of `recurring` items, seen from `as_of`;
    /// invoices arrive `delay_days` after their customer's habit.
    pub(crate) fn at<'a>(
        books: &Books,
        as_of: NaiveDate,
        delay_days: i64,
        recurring: impl IntoIterator<Item = &'a RecurringItem>,
    ) -> Self {
        let mut known = Self::default();
        let horizon_end = week_end(as_of, HORIZON_WEEKS - 1);
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
                    (add_days(habit, delay_days), &mut known.invoices)
                }
                DocKind::Bill => (doc.due, &mut known.bills),
            };
            // What is expected after the horizon does not move cash inside it.
            if expected > horizon_end {
                continue;
            }
            if let Some(cell) = target.get_mut(week_of(as_of, expected)) {
                *cell += i128::from(doc.amount);
            }
        }
        for item in recurring {
            for date in item.dates_between(as_of, horizon_end) {
                if let Some(cell) = known.recurring.get_mut(week_of(as_of, date)) {
                    *cell += i128::from(item.typical_amount);
                }
            }
        }
        known
    }

    /// Money in during week `k`.
    pub(crate) fn inflow(&self, k: usize) -> i128 {
        self.invoices.get(k).copied().unwrap_or(0)
    }

    /// Money out during week `k` (negative).
    pub(crate) fn outflow(&self, k: usize) -> i128 {
        self.recurring.get(k).copied().unwrap_or(0) - self.bills.get(k).copied().unwrap_or(0)
    }
}

/// How long invoices and bills paid by a day took from issue to payment.
pub(crate) struct PaymentLags {
    invoices: Vec<i64>,
    bills: Vec<i64>,
}

impl PaymentLags {
    pub(crate) fn at(books: &Books, as_of: NaiveDate) -> Self {
        Self {
            invoices: payment_lags(books, DocKind::Invoice, as_of),
            bills: payment_lags(books, DocKind::Bill, as_of),
        }
    }

    /// The share of a baseline stream's weekly value expected in week `k`: documents issued
    /// after the forecast's day only start landing once their usual lag has passed (invoices
    /// `delay_days` later still). Other flows land in full.
    pub(crate) fn share(&self, stream: Stream, k: usize, delay_days: i64) -> f64 {
        let mid_day = 7 * i64::try_from(k).unwrap_or(0) + 4;
        match stream {
            Stream::InvoicesPaid => share_paid_within(&self.invoices, mid_day - delay_days),
            Stream::BillsPaid => share_paid_within(&self.bills, mid_day),
            Stream::OtherIn | Stream::OtherOut => 1.0,
        }
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

/// The baseline's money in and out in week `k`: each stream's value, signs kept (a fading
/// trend may not turn receipts into payments), times the share of it that can land then.
pub(crate) fn baseline_week(
    values: impl Fn(Stream) -> f64,
    lags: &PaymentLags,
    k: usize,
    delay_days: i64,
) -> (f64, f64) {
    let (mut inflow, mut outflow) = (0.0, 0.0);
    for stream in Stream::ALL {
        let value = values(stream);
        if stream.is_inflow() {
            inflow += value.max(0.0) * lags.share(stream, k, delay_days);
        } else {
            outflow += value.min(0.0) * lags.share(stream, k, delay_days);
        }
    }
    (inflow, outflow)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn weeks_start_the_day_after() {
        let as_of = d(2026, 1, 1);
        assert_eq!(week_end(as_of, 0), d(2026, 1, 8));
        assert_eq!(week_of(as_of, d(2026, 1, 2)), 0);
        assert_eq!(week_of(as_of, d(2026, 1, 8)), 0);
        assert_eq!(week_of(as_of, d(2026, 1, 9)), 1);
        assert_eq!(week_of(as_of, d(2025, 6, 1)), 0, "overdue: the first week");
    }

    #[test]
    fn shares_follow_the_lags_and_a_delay() {
        let lags = PaymentLags {
            invoices: vec![3, 10, 20, 40],
            bills: vec![],
        };
        // Week 0's middle is day 4: one of four invoices is paid by then.
        assert!((lags.share(Stream::InvoicesPaid, 0, 0) - 0.25).abs() < 1e-12);
        // Week 3's middle is day 25: three of four; two when customers pay 14 days later.
        assert!((lags.share(Stream::InvoicesPaid, 3, 0) - 0.75).abs() < 1e-12);
        assert!((lags.share(Stream::InvoicesPaid, 3, 14) - 0.5).abs() < 1e-12);
        assert!((lags.share(Stream::BillsPaid, 0, 0) - 1.0).abs() < 1e-12);
        assert!((lags.share(Stream::OtherOut, 0, 0) - 1.0).abs() < 1e-12);
        let (inflow, outflow) = baseline_week(
            |s| match s {
                Stream::OtherIn => 100.0,
                Stream::InvoicesPaid => 400.0,
                Stream::OtherOut => 50.0,
                Stream::BillsPaid => -30.0,
            },
            &lags,
            0,
            0,
        );
        assert!((inflow - 200.0).abs() < 1e-9, "{inflow}");
        assert!(
            (outflow + 30.0).abs() < 1e-9,
            "a positive outflow counts as none"
        );
    }
}

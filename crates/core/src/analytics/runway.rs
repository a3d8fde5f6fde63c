//! Runway: the average monthly net operating outflow over the last three full calendar months
//! before `as_of`, and how long today's cash lasts at that pace. Owner money and loans are cash,
//! so they count in today's cash, but not in the burn: a loan received does not make the business
//! profitable, and repaying one is not a running cost.

use super::cash_position::cash_at;
use super::dates::{add_days, add_months, month_start};
use super::stats::{as_f64, round_minor, saturate};
use crate::Books;
use crate::flow_class::FlowClass;
use crate::money::Currency;
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

const DAYS_PER_MONTH: f64 = 365.2425 / 12.0;
/// How late after the first month's start the data may begin and still count as covering it.
const COVERAGE_SLACK_DAYS: i64 = 7;

/// Whether the business is burning cash, and if so for how long it lasts.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum RunwayStatus {
    /// Spending more than it takes in.
    Burning {
        /// Average net outflow per month (positive).
        average_monthly_burn: i64,
        months_of_runway: f64,
        cash_runs_out_on: NaiveDate,
    },
    /// Burning and already without cash.
    OutOfCash { average_monthly_burn: i64 },
    /// Taking in at least as much as it spends: there is no runway to count down.
    NotBurning { average_monthly_net_inflow: i64 },
    /// Fewer than three full months of history before `as_of`.
    InsufficientHistory,
}

/// One of the three months the average is taken over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthNet {
    pub month: NaiveDate,
    pub inflow: i64,
    pub outflow: i64,
    pub net: i64,
    /// `transactions`; `rollups` for months whose raw transactions were all purged; or
    /// `transactions and rollups` for a month the purge cut through.
    pub source: &'static str,
}

/// The runway report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunwayReport {
    pub currency: Currency,
    pub as_of: NaiveDate,
    pub cash_now: i64,
    pub months: Vec<MonthNet>,
    #[serde(flatten)]
    pub status: RunwayStatus,
}

/// Computes runway as of `as_of`.
#[must_use]
pub fn runway(books: &Books, as_of: NaiveDate) -> RunwayReport {
    let cash_now = cash_at(books, as_of);
    let last_full = if add_days(as_of, 1).day() == 1 {
        month_start(as_of)
    } else {
        month_start(as_of)
            .checked_sub_months(chrono::Months::new(1))
            .unwrap_or(NaiveDate::MIN)
    };
    let first_full = last_full
        .checked_sub_months(chrono::Months::new(2))
        .unwrap_or(NaiveDate::MIN);
    let months: Vec<MonthNet> = (0..3)
        .map(|i| month_net(books, add_months(first_full, i)))
        .collect();
    let earliest = earliest_data(books);
    let covered = earliest.is_some_and(|e| e <= add_days(first_full, COVERAGE_SLACK_DAYS))
        && first_full > NaiveDate::MIN
        && as_of > last_full;
    let status = if covered {
        let net: i128 = months.iter().map(|m| i128::from(m.net)).sum();
        status_for(cash_now, net, as_of)
    } else {
        RunwayStatus::InsufficientHistory
    };
    RunwayReport {
        currency: books.currency,
        as_of,
        cash_now,
        months,
        status,
    }
}

fn status_for(cash_now: i64, three_month_net: i128, as_of: NaiveDate) -> RunwayStatus {
    let average_net = saturate(three_month_net / 3);
    if three_month_net >= 0 {
        return RunwayStatus::NotBurning {
            average_monthly_net_inflow: average_net,
        };
    }
    let burn_f = -as_f64(saturate(three_month_net)) / 3.0;
    let average_monthly_burn = round_minor(burn_f);
    if cash_now <= 0 {
        return RunwayStatus::OutOfCash {
            average_monthly_burn,
        };
    }
    let months = as_f64(cash_now) / burn_f;
    RunwayStatus::Burning {
        average_monthly_burn,
        months_of_runway: (months * 100.0).round() / 100.0,
        cash_runs_out_on: add_days(as_of, round_minor(months * DAYS_PER_MONTH)),
    }
}

fn month_net(books: &Books, month: NaiveDate) -> MonthNet {
    let end = add_months(month, 1);
    let (mut inflow, mut outflow, mut count) = (0i128, 0i128, 0usize);
    for t in &books.txns {
        if t.is_operating() && t.date >= month && t.date < end {
            if t.amount >= 0 {
                inflow += i128::from(t.amount);
            } else {
                outflow += i128::from(t.amount);
            }
            count += 1;
        }
    }
    // Rollups hold only purged transactions: a month cut by the purge adds both.
    let mut source = "transactions";
    let classes = books.category_classes();
    for r in &books.rollups {
        let operating = classes.get(r.category as usize) == Some(&FlowClass::Operating);
        if month_start(r.month) == month && operating {
            inflow += i128::from(r.inflow);
            outflow += i128::from(r.outflow);
            source = if count == 0 {
                "rollups"
            } else {
                "transactions and rollups"
            };
        }
    }
    MonthNet {
        month,
        inflow: saturate(inflow),
        outflow: saturate(outflow),
        net: saturate(inflow + outflow),
        source,
    }
}

fn earliest_data(books: &Books) -> Option<NaiveDate> {
    let txn = books.txns.iter().map(|t| t.date).min();
    let rollup = books.rollups.iter().map(|r| month_start(r.month)).min();
    match (txn, rollup) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

//! End-of-day balances per bank account and in total: opening balance plus every movement
//! (transfers included, since they move money between accounts). Purged months move the
//! balances through their rollups, on the day [`rollup_balance_date`] gives. An account in
//! another currency is worth its own balance at each day's rate: its
//! [`Books::revaluations`] move the balance when the rate does.

use super::cashflow::display_name;
use super::dates::{add_days, add_months, days_between};
use super::stats::saturate;
use crate::Books;
use crate::books::FlowRollup;
use crate::money::Currency;
use chrono::NaiveDate;
use serde::Serialize;

/// Above this many days only days with movements (and the range ends) are listed.
const MAX_DENSE_DAYS: i64 = 40_000;

/// Balances at the end of one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DailyBalance {
    pub date: NaiveDate,
    /// One balance per entry of [`CashPosition::accounts`].
    pub balances: Vec<i64>,
    pub total: i64,
}

/// The daily balance series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CashPosition {
    pub currency: Currency,
    pub accounts: Vec<String>,
    pub days: Vec<DailyBalance>,
    /// True when the range is so long that only days with movements are listed.
    pub sparse: bool,
}

/// Daily balances between `from` and `to` (defaulting to the first and last transaction).
#[must_use]
pub fn cash_position(
    books: &Books,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> CashPosition {
    let named = books.accounts.len();
    let slot = |account: u32| (account as usize).min(named);
    let mut opening = vec![0i128; named + 1];
    for (id, &balance) in books.opening_balances.iter().enumerate() {
        opening[id.min(named)] += i128::from(balance);
    }
    let unknown_used = opening[named] != 0
        || books.txns.iter().any(|t| t.account as usize >= named)
        || books
            .flow_rollups
            .iter()
            .any(|r| r.account as usize >= named)
        || books
            .revaluations
            .iter()
            .any(|r| r.account as usize >= named);
    let mut accounts: Vec<String> = (0..named)
        .map(|id| display_name(&books.accounts, id))
        .collect();
    if unknown_used {
        accounts.push(display_name(&books.accounts, usize::MAX));
    }
    let mut position = CashPosition {
        currency: books.currency,
        accounts,
        days: Vec::new(),
        sparse: false,
    };
    let booked = rollup_balance_date(books);
    let mut movements: Vec<(NaiveDate, usize, i64)> = books
        .txns
        .iter()
        .map(|t| (t.date, slot(t.account), t.amount))
        .chain(books.flow_rollups.iter().map(|r| {
            (
                booked(r),
                slot(r.account),
                r.inflow.saturating_add(r.outflow),
            )
        }))
        .chain(
            books
                .revaluations
                .iter()
                .map(|r| (r.date, slot(r.account), r.amount)),
        )
        .collect();
    let first = movements.iter().map(|m| m.0).min();
    let last = movements.iter().map(|m| m.0).max();
    let (Some(from), Some(to)) = (from.or(first), to.or(last)) else {
        return position;
    };
    if from > to {
        return position;
    }
    movements.sort_unstable();
    let mut balances = opening;
    let mut next = 0;
    while next < movements.len() && movements[next].0 < from {
        balances[movements[next].1] += i128::from(movements[next].2);
        next += 1;
    }
    position.sparse = days_between(from, to) > MAX_DENSE_DAYS;
    let width = position.accounts.len();
    let mut day = from;
    loop {
        let moved = next < movements.len() && movements[next].0 == day;
        while next < movements.len() && movements[next].0 == day {
            balances[movements[next].1] += i128::from(movements[next].2);
            next += 1;
        }
        if !position.sparse || moved || day == from || day == to {
            position.days.push(DailyBalance {
                date: day,
                balances: balances[..width].iter().map(|&b| saturate(b)).collect(),
                total: saturate(balances.iter().sum()),
            });
        }
        if day >= to {
            break;
        }
        day = if position.sparse {
            // Jump straight to the next movement (or the end of the range).
            movements
                .get(next)
                .map_or(to, |m| m.0.min(to))
                .max(add_days(day, 1))
        } else {
            add_days(day, 1)
        };
    }
    position
}

/// Total cash across accounts at the end of `date`.
#[must_use]
pub fn cash_at(books: &Books, date: NaiveDate) -> i64 {
    let opening: i128 = books.opening_balances.iter().copied().map(i128::from).sum();
    let moved: i128 = books
        .txns
        .iter()
        .filter(|t| t.date <= date)
        .map(|t| i128::from(t.amount))
        .sum();
    let booked = rollup_balance_date(books);
    let purged: i128 = books
        .flow_rollups
        .iter()
        .filter(|r| booked(r) <= date)
        .map(|r| i128::from(r.inflow) + i128::from(r.outflow))
        .sum();
    let revalued: i128 = books
        .revaluations
        .iter()
        .filter(|r| r.date <= date)
        .map(|r| i128::from(r.amount))
        .sum();
    saturate(opening + moved + purged + revalued)
}

/// The day a purged month's movement shows in the balances: the month's last day or, when
/// kept transactions start inside that month, the day before the first of them (a purge
/// removes only transactions older than every kept one). Balances are then exact at every
/// month end and on every day from the first kept transaction on; inside a purged month they
/// show the month's opening balance.
pub(crate) fn rollup_balance_date(books: &Books) -> impl Fn(&FlowRollup) -> NaiveDate {
    let first_kept = books.txns.iter().map(|t| t.date).min();
    move |r: &FlowRollup| rollup_day(first_kept, r.month)
}

/// [`rollup_balance_date`] of a purged `month`, given the first kept transaction's date.
#[must_use]
pub fn rollup_day(first_kept: Option<NaiveDate>, month: NaiveDate) -> NaiveDate {
    let month_end = add_days(add_months(month, 1), -1);
    first_kept
        .map_or(month_end, |first| month_end.min(add_days(first, -1)))
        .max(month)
}

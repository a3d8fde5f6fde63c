//! Moving money between own accounts: card statements paid from checking, and savings
//! topping up or absorbing checking.

use super::{CARD, CHECKING, Gen, SAVINGS, cents, on_weekday, planning, trend};
use crate::categories::cat;
use chrono::{Datelike, Months, NaiveDate};
use std::sync::Arc;

fn month_index(start: NaiveDate, d: NaiveDate) -> usize {
    let months =
        (d.year() - start.year()) * 12 + d.month0().cast_signed() - start.month0().cast_signed();
    usize::try_from(months).unwrap_or(0)
}

/// Pays each month's card statement in full on the 5th (or next weekday) of the next month.
pub(super) fn card_payments(g: &mut Gen) {
    let plan = g.plan.clone();
    let mut statements = vec![0i64; plan.months as usize + 1];
    for d in g
        .drafts
        .iter()
        .filter(|d| d.account == CARD && d.cat != cat::Transfer)
    {
        statements[month_index(plan.start, d.date)] -= d.amount;
    }
    let desc: Arc<str> = Arc::from("Credit card payment");
    let first_month = plan.start.with_day(1).expect("day 1 exists");
    let opening_due = -g.opening[usize::from(CARD)];
    if opening_due > 0 {
        g.transfer(
            on_weekday(plan.start + chrono::Days::new(4)),
            CHECKING,
            CARD,
            opening_due,
            &desc,
        );
    }
    for (m, &owed) in statements.iter().enumerate() {
        let Some(due) = first_month
            .checked_add_months(Months::new(u32::try_from(m + 1).unwrap_or(u32::MAX)))
            .and_then(|d| d.with_day(5))
            .map(on_weekday)
        else {
            continue;
        };
        if owed > 0 && due < plan.end {
            g.transfer(due, CHECKING, CARD, owed, &desc);
        }
    }
}

/// Moves money from savings when checking runs low and sweeps a large surplus back.
pub(super) fn balance_cash(g: &mut Gen) {
    let plan = g.plan.clone();
    let mut checking = g.opening[usize::from(CHECKING)];
    let mut savings = g.opening[usize::from(SAVINGS)];
    let mut moves = Vec::new();
    let mut i = 0;
    while i < g.drafts.len() {
        let date = g.drafts[i].date;
        while i < g.drafts.len() && g.drafts[i].date == date {
            let d = &g.drafts[i];
            match d.account {
                CHECKING => checking += d.amount,
                SAVINGS => savings += d.amount,
                _ => {}
            }
            i += 1;
        }
        let level = plan.revenue * trend(&plan, date);
        let thousands = |x: f64| cents((x / 100_000.0).ceil() * 100_000.0);
        if planning(checking) < 0.25 * level {
            let amount =
                thousands(0.8 * level - planning(checking)).min(savings / 100_000 * 100_000);
            if amount > 0 {
                moves.push((date, SAVINGS, CHECKING, amount));
                checking += amount;
                savings -= amount;
            }
        } else if date.succ_opt().is_some_and(|n| n.day() == 1) && planning(checking) > 4.0 * level
        {
            let amount = thousands(planning(checking) - 2.5 * level - 100_000.0);
            if amount > 0 {
                moves.push((date, CHECKING, SAVINGS, amount));
                checking -= amount;
                savings += amount;
            }
        }
    }
    for (date, from, to, amount) in moves {
        let desc: Arc<str> = Arc::from(if to == CHECKING {
            "Top-up from savings"
        } else {
            "Sweep to savings"
        });
        g.transfer(date, from, to, amount, &desc);
    }
}

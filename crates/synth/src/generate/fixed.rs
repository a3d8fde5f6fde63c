//! Shared pieces of the profiles' calendars: recurring series recorded in the truth, odd
//! amounts, SaaS subscriptions, and the savings account's monthly transfer and interest.

use super::{AccountIndex, CARD, CHECKING, Gen, SAVINGS, Series, cents, monthly_dates, planning};
use crate::categories::{Cat, cat};
use crate::config::Plan;
use crate::model::Cadence;
use crate::names::{Trade, Who};
use chrono::{Datelike, Months, NaiveDate, Weekday};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;

/// Savings: a fixed monthly transfer in from checking, interest paid at the end of the month.
pub(crate) fn savings(g: &mut Gen, rng: &mut ChaCha8Rng) {
    let plan = g.plan.clone();
    let r = plan.revenue;
    let save = cents((r * 0.03 / 10_000.0).round().max(1.0) * 10_000.0);
    let desc: Arc<str> = Arc::from("Monthly transfer to savings");
    for d in monthly_dates(&plan, 16, 1) {
        g.transfer(d, CHECKING, SAVINGS, save, &desc);
    }
    let desc: Arc<str> = Arc::from("Interest");
    let savings_bank = g.names.business(rng, Trade::Bank);
    let base = planning(g.opening[usize::from(SAVINGS)]) * 0.0035;
    for d in monthly_dates(&plan, 31, 1) {
        let amount = cents(base * rng.random_range(0.9..1.1)).max(1);
        g.push(d, SAVINGS, amount, savings_bank, cat::InterestIncome, &desc);
    }
}

/// Monthly SaaS subscriptions on the card, one series each, seats growing with the business:
/// `(vendor, what for, list price in cents)`. The one at index `raiser` goes up about 12%
/// halfway through. Returns the seat count.
pub(crate) fn subscriptions(
    g: &mut Gen,
    rng: &mut ChaCha8Rng,
    list: &[(Who, &str, i64)],
    raiser: usize,
) -> f64 {
    let plan = g.plan.clone();
    let seats = plan.scale.sqrt().ceil().max(1.0);
    let raise_at = plan
        .start
        .checked_add_months(Months::new(plan.months / 2))
        .unwrap_or(plan.start);
    for (i, &(who, word, price)) in list.iter().enumerate() {
        let vendor = g.names.who(rng, who, 0);
        let day = rng.random_range(2..=28);
        let old = -cents(planning(price) * seats);
        // About 12% more, ending in .99 like a price list.
        let new = -cents((planning(-old) * 1.12 / 100.0).round() * 100.0 - 1.0);
        let dates = monthly_dates(&plan, day, 1);
        let desc = format!("{word} subscription");
        let first_new = if i == raiser {
            let first_new = dates
                .iter()
                .copied()
                .find(|d| *d >= raise_at)
                .unwrap_or(plan.end);
            g.plants.price_increase = Some((vendor, old, new, first_new));
            first_new
        } else {
            plan.end
        };
        series(
            g,
            (vendor, cat::Software, CARD),
            Cadence::Monthly,
            &dates,
            |d| if d >= first_new { new } else { old },
            &desc,
        );
    }
    seats
}

/// The first `weekday` on or after `date`.
pub(crate) fn first_on(mut date: NaiveDate, weekday: Weekday) -> NaiveDate {
    while date.weekday() != weekday {
        date = date.succ_opt().expect("in range");
    }
    date
}

/// `first` and its anniversaries within the plan.
pub(crate) fn yearly_dates(plan: &Plan, first: NaiveDate) -> Vec<NaiveDate> {
    (0..plan.months.div_ceil(12))
        .filter_map(|k| first.checked_add_months(Months::new(12 * k)))
        .filter(|d| *d < plan.end)
        .collect()
}

/// A plausible non-round amount near `x` cents.
pub(crate) fn odd_cents(rng: &mut impl Rng, x: f64) -> i64 {
    cents((x / 100.0).round() * 100.0) + rng.random_range(0..100)
}

/// Pushes a recurring series and records it in the truth.
pub(crate) fn series(
    g: &mut Gen,
    (cp, cat, account): (u32, Cat, AccountIndex),
    cadence: Cadence,
    dates: &[NaiveDate],
    mut amount: impl FnMut(NaiveDate) -> i64,
    desc: &str,
) {
    let amounts: Vec<i64> = dates.iter().map(|&d| amount(d)).collect();
    record(g, (cp, cat, account), cadence, dates, &amounts, desc, true);
}

pub(crate) fn series_varying(
    g: &mut Gen,
    key: (u32, Cat, AccountIndex),
    cadence: Cadence,
    dates: &[NaiveDate],
    amounts: &[i64],
    desc: &str,
) {
    record(g, key, cadence, dates, amounts, desc, false);
}

fn record(
    g: &mut Gen,
    (cp, cat, account): (u32, Cat, AccountIndex),
    cadence: Cadence,
    dates: &[NaiveDate],
    amounts: &[i64],
    desc: &str,
    fixed: bool,
) {
    let desc: Arc<str> = Arc::from(desc);
    for (&d, &a) in dates.iter().zip(amounts) {
        g.push(d, account, a, cp, cat, &desc);
    }
    if let (Some(&first), Some(&amount)) = (dates.first(), amounts.first()) {
        g.plants.recurring.push(Series {
            cp,
            cat,
            account,
            cadence,
            amount,
            fixed,
            first,
            count: u32::try_from(dates.len()).unwrap_or(u32::MAX),
        });
    }
}

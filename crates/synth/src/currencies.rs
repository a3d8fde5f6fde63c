//! Books in several currencies (`flowsense gen --currencies USD,EUR,GBP`): the first currency
//! is the base; each other one gets a bank account of its own (`Operating EUR`) holding the
//! trade of the counterparties that deal in it, and one rate per month to the base currency.
//!
//! A counterparty deals in one currency throughout (chosen by a hash of its name), so its
//! recurring payments stay recurring. Foreign amounts are whole units and the rates carry two
//! decimals, so every conversion to the base currency is exact to the cent: the books can be
//! checked against another tool's conversion (hledger's `-X`) with no rounding in between.
//! Transfers and opening balances stay in the base currency.

use crate::model::{AccountKind, GenAccount, GenTxn, GeneratedBooks};
use chrono::{Datelike, NaiveDate};
use flowsense_core::Currency;
use flowsense_core::books::TRANSFER_CATEGORY;
use std::collections::HashMap;
use std::sync::Arc;

/// The currencies `--currencies` knows, with a nominal value of one unit in US cents.
const NOMINAL_US_CENTS: [(&str, i64); 7] = [
    ("USD", 100),
    ("EUR", 108),
    ("GBP", 127),
    ("CHF", 113),
    ("CAD", 73),
    ("AUD", 66),
    ("NZD", 60),
];

/// One month's rate: one unit of `from` is `hundredths / 100` units of the base currency, from
/// `date` (the first of the month) on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthRate {
    pub date: NaiveDate,
    pub from: Currency,
    pub to: Currency,
    pub hundredths: i64,
}

impl MonthRate {
    /// The rate as a plain decimal (`1.08`).
    #[must_use]
    pub fn decimal(&self) -> String {
        format!("{}.{:02}", self.hundredths / 100, self.hundredths % 100)
    }
}

/// Why `--currencies` was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CurrenciesError {
    #[error("not a currency this generator knows: {0} (one of USD, EUR, GBP, CHF, CAD, AUD, NZD)")]
    Unknown(String),
    #[error("a currency is named twice: {0}")]
    Twice(String),
    #[error("name the base currency first, then at least one other")]
    TooFew,
}

/// Parses `USD,EUR,GBP`.
///
/// # Errors
/// An unknown or repeated code, or fewer than two.
pub fn parse_currencies(text: &str) -> Result<Vec<Currency>, CurrenciesError> {
    let mut out: Vec<Currency> = Vec::new();
    for code in text.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        let c = Currency::parse(code).map_err(|_| CurrenciesError::Unknown(code.into()))?;
        if nominal(c).is_none() {
            return Err(CurrenciesError::Unknown(code.into()));
        }
        if out.contains(&c) {
            return Err(CurrenciesError::Twice(code.into()));
        }
        out.push(c);
    }
    if out.len() < 2 {
        return Err(CurrenciesError::TooFew);
    }
    Ok(out)
}

fn nominal(c: Currency) -> Option<i64> {
    NOMINAL_US_CENTS
        .iter()
        .find(|(code, _)| *code == c.as_str())
        .map(|(_, v)| *v)
}

/// The account that holds a foreign currency's trade.
#[must_use]
pub fn account_name(c: Currency) -> String {
    format!("Operating {c}")
}

/// Moves the trade of some counterparties into an account of each foreign currency of
/// `currencies` (the first is the base, which the books then carry), and keeps the monthly
/// rates those amounts were converted with, from the books' first month to their last, in
/// [`GeneratedBooks::rates`].
///
/// # Panics
/// Never for currencies from [`parse_currencies`].
pub fn spread_currencies(books: &mut GeneratedBooks, currencies: &[Currency]) {
    let base = currencies[0];
    books.currency = base;
    for t in &mut books.transactions {
        t.currency = base;
    }
    let foreign = &currencies[1..];
    let rates = month_rates(books, base, foreign);
    let by_month: HashMap<(i32, u32, Currency), i64> = rates
        .iter()
        .map(|r| ((r.date.year(), r.date.month(), r.from), r.hundredths))
        .collect();
    let names: Vec<Arc<str>> = foreign.iter().map(|c| account_name(*c).into()).collect();
    for name in &names {
        books.accounts.push(GenAccount {
            name: name.clone(),
            kind: AccountKind::Checking,
            opening_balance_minor: 0,
        });
    }
    let ways = currencies.len() as u64;
    let base_scale = 10_i64.pow(base.exponent());
    for t in &mut books.transactions {
        if &*t.category == TRANSFER_CATEGORY {
            continue;
        }
        let pick = fnv(&t.counterparty) % ways;
        let Some(ix) = pick.checked_sub(1).and_then(|i| usize::try_from(i).ok()) else {
            continue; // the base currency's share
        };
        let c = foreign[ix];
        let hundredths = by_month[&(t.date.year(), t.date.month(), c)];
        // Whole units of `c` nearest the base amount, at least one.
        let per_unit = hundredths * base_scale / 100;
        let units = ((t.amount_minor.abs() + per_unit / 2) / per_unit).max(1);
        let units = if t.amount_minor < 0 { -units } else { units };
        move_to(t, &names[ix], c, units * 10_i64.pow(c.exponent()));
    }
    books.rates = rates;
}

fn move_to(t: &mut GenTxn, account: &Arc<str>, currency: Currency, minor: i64) {
    t.account = account.clone();
    t.currency = currency;
    t.amount_minor = minor;
}

/// One rate per foreign currency and month, wandering a few hundredths around the nominal
/// cross rate.
fn month_rates(books: &GeneratedBooks, base: Currency, foreign: &[Currency]) -> Vec<MonthRate> {
    let first = books
        .transactions
        .first()
        .map_or(books.start, |t| t.date)
        .min(books.start);
    let last = books.transactions.last().map_or(books.end, |t| t.date);
    let base_value = nominal(base).unwrap_or(100);
    let mut rates = Vec::new();
    let mut month = first.with_day(1).unwrap_or(first);
    let mut m: i64 = 0;
    while month <= last {
        for (k, c) in foreign.iter().enumerate() {
            let centre = nominal(*c).unwrap_or(100) * 100 / base_value;
            let k = i64::try_from(k).unwrap_or(0) + 1;
            let wiggle = (m * (3 + 2 * k) + k) % 9 - 4;
            rates.push(MonthRate {
                date: month,
                from: *c,
                to: base,
                hundredths: (centre + wiggle).max(1),
            });
        }
        m += 1;
        month = month
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(NaiveDate::MAX);
    }
    rates
}

/// FNV-1a: a stable hash (the standard library's may change between releases).
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Writes the rates as a `date,from,to,rate` CSV (what `flowsense rates import` reads).
///
/// # Errors
/// Whatever the writer returns.
pub fn write_rates_csv(rates: &[MonthRate], mut w: impl std::io::Write) -> std::io::Result<()> {
    writeln!(w, "date,from,to,rate")?;
    for r in rates {
        writeln!(w, "{},{},{},{}", r.date, r.from, r.to, r.decimal())?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{GenConfig, generate};

    #[test]
    fn foreign_trade_is_whole_units_at_an_exact_monthly_rate() {
        let mut books = generate(&GenConfig::new(3, 3_000)).expect("books");
        let before = books.transactions.len();
        let currencies = parse_currencies("USD,EUR,GBP").expect("codes");
        spread_currencies(&mut books, &currencies);
        let rates = &books.rates;
        assert_eq!(books.transactions.len(), before);
        for c in [Currency::EUR, Currency::GBP] {
            let name = account_name(c);
            let moved: Vec<_> = books
                .transactions
                .iter()
                .filter(|t| *t.account == *name)
                .collect();
            assert!(moved.len() > 100, "{c}: {} rows", moved.len());
            assert!(
                moved
                    .iter()
                    .all(|t| t.currency == c && t.amount_minor % 100 == 0)
            );
        }
        assert!(
            rates
                .iter()
                .all(|r| r.to == Currency::USD && r.date.day() == 1)
        );
        assert!(rates.iter().any(|r| r.decimal() != rates[0].decimal()));
        assert_eq!(
            parse_currencies("USD,JPY"),
            Err(CurrenciesError::Unknown("JPY".into()))
        );
        assert_eq!(parse_currencies("USD"), Err(CurrenciesError::TooFew));
    }
}

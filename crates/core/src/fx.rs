//! Exchange rates and the conversion of amounts into the organisation's base currency.
//!
//! A rate says how many units of `to` one unit of `from` buys on a date, as an exact decimal.
//! An amount is converted at the most recent rate on or before its date, found in this order:
//! the direct rate `from → to`; the inverse of `to → from`; a cross through the euro
//! (`EUR → to` over `EUR → from`, the way the ECB publishes its reference rates), each leg at
//! its own most recent rate. Inverse and cross rates are divided with 28 significant digits
//! and the result is rounded once, half to even, to the target's minor unit. No rate on or
//! before the date means no conversion: the caller reports the amount as missing a rate
//! ([`MissingRate`]), never guesses one.

use crate::money::Currency;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::HashMap;

/// The most digits a rate may carry after the point.
pub const MAX_RATE_SCALE: u32 = 12;
/// The most significant digits a rate may carry: its digits then fit in 64 bits, so an `i64`
/// amount times a rate is exact in 128-bit arithmetic.
pub const MAX_RATE_DIGITS: u32 = 18;

/// A positive exchange rate: one unit of `from` is `rate` units of `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rate {
    pub date: NaiveDate,
    pub from: Currency,
    pub to: Currency,
    #[serde(with = "rust_decimal::serde::str")]
    pub rate: Decimal,
}

/// Why a rate was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RateError {
    #[error("not a rate: {0:?} (a positive decimal like 1.0834)")]
    NotARate(String),
    #[error("a rate must be above zero")]
    NotPositive,
    #[error(
        "a rate has at most {MAX_RATE_SCALE} digits after the point and {MAX_RATE_DIGITS} in all"
    )]
    TooPrecise,
    #[error("a rate converts between two different currencies")]
    SameCurrency,
}

/// Parses a rate written as a plain decimal (`1.0834`, `157.2`), exactly.
///
/// # Errors
/// Anything but a plain positive decimal with at most [`MAX_RATE_SCALE`] fraction digits.
pub fn parse_rate(text: &str) -> Result<Decimal, RateError> {
    let t = text.trim();
    let plain = !t.is_empty()
        && t.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && t.bytes().filter(|&b| b == b'.').count() <= 1
        && t.len() <= 40;
    if !plain {
        return Err(RateError::NotARate(t.chars().take(24).collect()));
    }
    let rate: Decimal = t
        .parse()
        .map_err(|_| RateError::NotARate(t.chars().take(24).collect()))?;
    check_rate(rate)
}

/// A rate as it may be stored: positive, at most [`MAX_RATE_SCALE`] fraction digits, without
/// trailing zeros.
///
/// # Errors
/// A zero or negative rate, or one too precise.
pub fn check_rate(rate: Decimal) -> Result<Decimal, RateError> {
    if rate <= Decimal::ZERO {
        return Err(RateError::NotPositive);
    }
    let rate = rate.normalize();
    if rate.scale() > MAX_RATE_SCALE || rate.mantissa() >= 10_i128.pow(MAX_RATE_DIGITS) {
        return Err(RateError::TooPrecise);
    }
    Ok(rate)
}

/// Converts `minor` units of `from` into minor units of `to` at `rate` (units of `to` per
/// unit of `from`), exactly, rounding half to even. `None` when the result does not fit in
/// `i64` or the arithmetic would overflow; never panics.
#[must_use]
pub fn convert_minor(minor: i64, from: Currency, to: Currency, rate: Decimal) -> Option<i64> {
    Ratio::of(rate)?.apply(minor, from, to)
}

/// A positive rational `num / den`, kept in lowest terms: rates composed without rounding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ratio {
    num: i128,
    den: i128,
}

impl Ratio {
    const ONE: Ratio = Ratio { num: 1, den: 1 };

    fn of(rate: Decimal) -> Option<Ratio> {
        let num = rate.mantissa();
        let den = 10_i128.checked_pow(rate.scale())?;
        Ratio::new(num, den)
    }

    fn new(num: i128, den: i128) -> Option<Ratio> {
        if num <= 0 || den <= 0 {
            return None;
        }
        let g = gcd(num, den);
        Some(Ratio {
            num: num / g,
            den: den / g,
        })
    }

    fn inverse(self) -> Ratio {
        Ratio {
            num: self.den,
            den: self.num,
        }
    }

    fn times(self, other: Ratio) -> Option<Ratio> {
        // Cross-reduce first so the products stay small.
        let g1 = gcd(self.num, other.den);
        let g2 = gcd(other.num, self.den);
        Ratio::new(
            (self.num / g1).checked_mul(other.num / g2)?,
            (self.den / g2).checked_mul(other.den / g1)?,
        )
    }

    /// `minor` units of `from` times this ratio, in minor units of `to`, rounded once, half to
    /// even.
    fn apply(self, minor: i64, from: Currency, to: Currency) -> Option<i64> {
        let (fe, te) = (from.exponent(), to.exponent());
        let shift = 10_i128.checked_pow(fe.abs_diff(te))?;
        let (mut num, mut den) = (self.num, self.den);
        if te >= fe {
            num = num.checked_mul(shift)?;
        } else {
            den = den.checked_mul(shift)?;
        }
        let product = i128::from(minor).checked_mul(num)?;
        let (q, r) = (product.div_euclid(den), product.rem_euclid(den));
        let rounded = match r.checked_mul(2)?.cmp(&den) {
            std::cmp::Ordering::Less => q,
            std::cmp::Ordering::Greater => q.checked_add(1)?,
            std::cmp::Ordering::Equal if q % 2 == 0 => q,
            std::cmp::Ordering::Equal => q.checked_add(1)?,
        };
        i64::try_from(rounded).ok()
    }
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.abs().max(1)
}

/// Every rate known to one organisation, ready for look-ups by date.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateTable {
    /// Per pair, `(date, rate)` sorted by date; one rate per date (the last one added wins).
    pairs: HashMap<(Currency, Currency), Vec<(NaiveDate, Decimal)>>,
}

/// How an amount was converted, or why it was not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Converted {
    Amount(i64),
    /// No rate on or before the date.
    NoRate,
    /// The result is beyond what `i64` minor units hold.
    OutOfRange,
}

impl RateTable {
    /// A table of `rates`; on the same pair and date, a later rate replaces an earlier one.
    #[must_use]
    pub fn new(rates: impl IntoIterator<Item = Rate>) -> Self {
        let mut pairs: HashMap<(Currency, Currency), Vec<(NaiveDate, Decimal)>> = HashMap::new();
        for r in rates {
            if r.from != r.to && r.rate > Decimal::ZERO {
                pairs
                    .entry((r.from, r.to))
                    .or_default()
                    .push((r.date, r.rate));
            }
        }
        for list in pairs.values_mut() {
            // Stable: among equal dates the last added stays last, and wins below.
            list.sort_by_key(|(d, _)| *d);
            let mut deduped: Vec<(NaiveDate, Decimal)> = Vec::with_capacity(list.len());
            for &(d, r) in list.iter() {
                match deduped.last_mut() {
                    Some(last) if last.0 == d => last.1 = r,
                    _ => deduped.push((d, r)),
                }
            }
            *list = deduped;
        }
        Self { pairs }
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The most recent direct rate `from → to` on or before `date`.
    #[must_use]
    pub fn direct(&self, from: Currency, to: Currency, date: NaiveDate) -> Option<Decimal> {
        let list = self.pairs.get(&(from, to))?;
        let ix = list.partition_point(|(d, _)| *d <= date);
        ix.checked_sub(1).map(|i| list[i].1)
    }

    /// The rate `from → to` on `date` as an exact ratio: direct, inverse, or across the euro
    /// (see the module's documentation).
    fn ratio(&self, from: Currency, to: Currency, date: NaiveDate) -> Option<Ratio> {
        if let Some(r) = self.direct(from, to, date) {
            return Ratio::of(r);
        }
        if let Some(r) = self.direct(to, from, date) {
            return Ratio::of(r).map(Ratio::inverse);
        }
        // from → EUR → to: (units of `to` per euro) ÷ (units of `from` per euro).
        let to_leg = self.per_euro(to, date)?;
        let from_leg = self.per_euro(from, date)?;
        to_leg.times(from_leg.inverse())
    }

    /// Units of `c` per euro on `date`, direct or inverse.
    fn per_euro(&self, c: Currency, date: NaiveDate) -> Option<Ratio> {
        let eur = Currency::EUR;
        if c == eur {
            return Some(Ratio::ONE);
        }
        if let Some(r) = self.direct(eur, c, date) {
            return Ratio::of(r);
        }
        self.direct(c, eur, date)
            .and_then(Ratio::of)
            .map(Ratio::inverse)
    }

    fn has_per_euro(&self, c: Currency, date: NaiveDate) -> bool {
        let eur = Currency::EUR;
        c == eur || self.direct(eur, c, date).is_some() || self.direct(c, eur, date).is_some()
    }

    /// `minor` units of `from` in minor units of `to`, at the rate of `date`.
    #[must_use]
    pub fn convert(&self, minor: i64, from: Currency, to: Currency, date: NaiveDate) -> Converted {
        if from == to {
            return Converted::Amount(minor);
        }
        let has_rate = self.direct(from, to, date).is_some()
            || self.direct(to, from, date).is_some()
            || (self.has_per_euro(from, date) && self.has_per_euro(to, date));
        if !has_rate {
            return Converted::NoRate;
        }
        match self
            .ratio(from, to, date)
            .and_then(|r| r.apply(minor, from, to))
        {
            Some(v) => Converted::Amount(v),
            None => Converted::OutOfRange,
        }
    }
}

/// Amounts in one currency that could not be converted into the base currency, so the
/// figures leave them out: say so beside every figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MissingRate {
    pub currency: Currency,
    pub first_date: NaiveDate,
    pub last_date: NaiveDate,
    /// How many transactions (and opening balances) are left out.
    pub count: u64,
}

/// Collects what lacked a rate, per currency.
#[derive(Debug, Default)]
pub struct MissingRates(HashMap<Currency, MissingRate>);

impl MissingRates {
    pub fn note(&mut self, currency: Currency, date: NaiveDate) {
        let entry = self.0.entry(currency).or_insert(MissingRate {
            currency,
            first_date: date,
            last_date: date,
            count: 0,
        });
        entry.first_date = entry.first_date.min(date);
        entry.last_date = entry.last_date.max(date);
        entry.count += 1;
    }

    /// The list, by currency code.
    #[must_use]
    pub fn into_list(self) -> Vec<MissingRate> {
        let mut list: Vec<MissingRate> = self.0.into_values().collect();
        list.sort_by_key(|m| m.currency);
        list
    }
}

/// Converts the books' amounts into the base currency as they are loaded, and notes what
/// lacks a rate.
#[derive(Debug)]
pub struct ToBase {
    base: Currency,
    rates: RateTable,
    missing: MissingRates,
}

impl ToBase {
    #[must_use]
    pub fn new(base: Currency, rates: RateTable) -> Self {
        Self {
            base,
            rates,
            missing: MissingRates::default(),
        }
    }

    /// `minor` units of `currency` in the base currency at `date`'s rate; `None` (and noted as
    /// missing) without a rate, or when the result does not fit.
    pub fn amount(&mut self, minor: i64, currency: Currency, date: NaiveDate) -> Option<i64> {
        match self.rates.convert(minor, currency, self.base, date) {
            Converted::Amount(v) => Some(v),
            Converted::NoRate | Converted::OutOfRange => {
                self.missing.note(currency, date);
                None
            }
        }
    }

    /// What lacked a rate, by currency.
    #[must_use]
    pub fn missing(self) -> Vec<MissingRate> {
        self.missing.into_list()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn rate(date: &str, from: Currency, to: Currency, r: &str) -> Rate {
        Rate {
            date: d(date),
            from,
            to,
            rate: r.parse().expect("decimal"),
        }
    }

    #[test]
    fn the_most_recent_rate_on_or_before_the_date_is_used() {
        let t = RateTable::new([
            rate("2026-01-01", Currency::EUR, Currency::USD, "1.10"),
            rate("2026-02-01", Currency::EUR, Currency::USD, "1.20"),
        ]);
        let (eur, usd) = (Currency::EUR, Currency::USD);
        assert_eq!(
            t.convert(1000, eur, usd, d("2025-12-31")),
            Converted::NoRate
        );
        assert_eq!(
            t.convert(1000, eur, usd, d("2026-01-31")),
            Converted::Amount(1100)
        );
        assert_eq!(
            t.convert(1000, eur, usd, d("2026-02-01")),
            Converted::Amount(1200)
        );
        assert_eq!(
            t.convert(1000, eur, usd, d("2027-06-01")),
            Converted::Amount(1200)
        );
    }

    #[test]
    fn inverse_and_cross_through_the_euro() {
        let t = RateTable::new([
            rate("2026-01-01", Currency::EUR, Currency::USD, "1.25"),
            rate("2026-01-01", Currency::EUR, Currency::GBP, "0.8"),
        ]);
        // Inverse: 10.00 USD = 8.00 EUR.
        let usd_eur = t.convert(1000, Currency::USD, Currency::EUR, d("2026-01-02"));
        assert_eq!(usd_eur, Converted::Amount(800));
        // Cross: 1 GBP = 1.25 / 0.8 = 1.5625 USD.
        let gbp_usd = t.convert(1000, Currency::GBP, Currency::USD, d("2026-01-02"));
        assert_eq!(
            gbp_usd,
            Converted::Amount(1562),
            "15.625 rounds half to even"
        );
        let jpy = Currency::parse("JPY").expect("code");
        assert_eq!(
            t.convert(1, jpy, Currency::USD, d("2026-01-02")),
            Converted::NoRate
        );
    }

    #[test]
    fn minor_units_follow_each_currency() {
        let jpy = Currency::parse("JPY").expect("code");
        // 1.00 USD at 157.5 JPY is 158 yen (157.5 rounds to even); 100 yen at 0.0064 USD is 0.64.
        assert_eq!(
            convert_minor(100, Currency::USD, jpy, "157.5".parse().expect("d")),
            Some(158)
        );
        assert_eq!(
            convert_minor(100, jpy, Currency::USD, "0.0064".parse().expect("d")),
            Some(64)
        );
    }

    #[test]
    fn rates_are_parsed_exactly_and_refused_plainly() {
        assert_eq!(parse_rate("1.08340").expect("rate").to_string(), "1.0834");
        for bad in [
            "",
            "-1",
            "0",
            "0.000",
            "1e3",
            "1,2",
            "abc",
            "1.0000000000001",
        ] {
            assert!(parse_rate(bad).is_err(), "{bad:?} is refused");
        }
    }

    proptest! {
        #[test]
        fn conversion_rounds_half_to_even_exactly_and_never_panics(
            minor in any::<i64>(),
            mantissa in 1_u64..=u64::MAX,
            scale in 0_u32..=MAX_RATE_SCALE,
        ) {
            let rate = Decimal::from_i128_with_scale(i128::from(mantissa), scale);
            let got = convert_minor(minor, Currency::EUR, Currency::USD, rate);
            // The exact product in i128 arithmetic, rounded half to even by hand.
            let product = i128::from(minor) * i128::from(mantissa);
            let div = 10_i128.pow(scale);
            let (q, r) = (product.div_euclid(div), product.rem_euclid(div));
            let rounded = match (2 * r).cmp(&div) {
                std::cmp::Ordering::Less => q,
                std::cmp::Ordering::Greater => q + 1,
                std::cmp::Ordering::Equal => if q % 2 == 0 { q } else { q + 1 },
            };
            match i64::try_from(rounded) {
                Ok(expected) => prop_assert_eq!(got, Some(expected)),
                Err(_) => prop_assert_eq!(got, None),
            }
        }

        #[test]
        fn cross_conversion_never_panics(
            minor in any::<i64>(),
            a in 1_u64..=u64::MAX, sa in 0_u32..=MAX_RATE_SCALE,
            b in 1_u64..=u64::MAX, sb in 0_u32..=MAX_RATE_SCALE,
        ) {
            let t = RateTable::new([
                Rate { date: d("2026-01-01"), from: Currency::EUR, to: Currency::USD,
                       rate: Decimal::from_i128_with_scale(i128::from(a), sa) },
                Rate { date: d("2026-01-01"), from: Currency::EUR, to: Currency::GBP,
                       rate: Decimal::from_i128_with_scale(i128::from(b), sb) },
            ]);
            let _ = t.convert(minor, Currency::GBP, Currency::USD, d("2026-06-01"));
            let _ = t.convert(minor, Currency::USD, Currency::EUR, d("2026-06-01"));
        }
    }
}

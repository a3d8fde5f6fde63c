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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Rate {
    pub date: NaiveDate,
    pub from: Currency,
    pub to: Currency,
    #[serde(with = "rust_decimal::serde::str")]
    #[schema(value_type = String, examples("1.0834"))]
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

    /// The dates on which the rate `from → to` can change: those of every list
    /// [`RateTable::convert`] may read it from, sorted, each once.
    fn change_dates(&self, from: Currency, to: Currency) -> Vec<NaiveDate> {
        let eur = Currency::EUR;
        let mut dates: Vec<NaiveDate> = [
            (from, to),
            (to, from),
            (eur, from),
            (from, eur),
            (eur, to),
            (to, eur),
        ]
        .iter()
        .filter_map(|pair| self.pairs.get(pair))
        .flat_map(|list| list.iter().map(|(d, _)| *d))
        .collect();
        dates.sort_unstable();
        dates.dedup();
        dates
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
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

/// One day's movements of a bank account held in another currency: the sum in its own
/// currency, and what the books counted for them in the base currency (nothing for an amount
/// that had no rate).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForeignDay {
    pub date: NaiveDate,
    pub native: i64,
    pub counted: i64,
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

    /// What keeps an account in `currency` worth its own balance at each day's rate: on every
    /// day its balance or its rate changes, the balance converted at that day's rate less what
    /// the books count for the account so far. Summed with the counted amounts, the balance on
    /// any day is then exactly its own balance at that day's rate, rounded once. A day without a
    /// rate is passed over (the balance keeps its last value). `days` may come in any order and
    /// hold a date more than once; the work is bounded by the number of days and rates.
    #[must_use]
    pub fn revaluations(&self, currency: Currency, days: &[ForeignDay]) -> Vec<(NaiveDate, i64)> {
        let mut days = days.to_vec();
        days.sort_by_key(|d| d.date);
        let Some(first) = days.first().map(|d| d.date) else {
            return Vec::new();
        };
        let rate_days = self.rates.change_dates(currency, self.base);
        let mut dates: Vec<NaiveDate> = days
            .iter()
            .map(|d| d.date)
            .chain(rate_days.into_iter().filter(|&d| d > first))
            .collect();
        dates.sort_unstable();
        dates.dedup();
        let (mut native, mut counted, mut revalued) = (0i128, 0i128, 0i128);
        let mut next = days.iter().peekable();
        let mut out = Vec::new();
        for date in dates {
            while let Some(day) = next.next_if(|d| d.date == date) {
                native += i128::from(day.native);
                counted += i128::from(day.counted);
            }
            let Ok(balance) = i64::try_from(native) else {
                continue;
            };
            let Converted::Amount(worth) = self.rates.convert(balance, currency, self.base, date)
            else {
                continue;
            };
            let change = i128::from(worth) - counted - revalued;
            if let (false, Ok(amount)) = (change == 0, i64::try_from(change)) {
                out.push((date, amount));
                revalued += change;
            }
        }
        out
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

    fn day(date: &str, native: i64, counted: i64) -> ForeignDay {
        ForeignDay {
            date: d(date),
            native,
            counted,
        }
    }

    #[test]
    fn a_foreign_balance_is_revalued_when_its_rate_moves() {
        let to_base = ToBase::new(
            Currency::USD,
            RateTable::new([
                rate("2026-01-01", Currency::EUR, Currency::USD, "1.10"),
                rate("2026-02-01", Currency::EUR, Currency::USD, "1.20"),
                rate("2026-03-01", Currency::EUR, Currency::USD, "1.05"),
            ]),
        );
        // 100.00 EUR opened on 5 Jan (counted 110.00 USD), 50.00 EUR more on 10 Feb (60.00).
        let days = [
            day("2026-02-10", 5000, 6000),
            day("2026-01-05", 10000, 11000),
        ];
        let moves = to_base.revaluations(Currency::EUR, &days);
        // 1 Feb: 100 EUR is now 120 USD (+10); 1 Mar: 150 EUR is 157.50 USD, was 180 (−22.50).
        assert_eq!(
            moves,
            vec![(d("2026-02-01"), 1000), (d("2026-03-01"), -2250)]
        );
    }

    #[test]
    fn an_amount_counted_without_a_rate_joins_the_balance_once_a_rate_exists() {
        let to_base = ToBase::new(
            Currency::USD,
            RateTable::new([rate("2026-02-01", Currency::GBP, Currency::USD, "1.25")]),
        );
        let days = [day("2026-01-10", 8000, 0), day("2026-02-03", -800, -1000)];
        // Nothing before the first rate; on 1 Feb the 80.00 GBP is worth 100.00 USD.
        assert_eq!(
            to_base.revaluations(Currency::GBP, &days),
            vec![(d("2026-02-01"), 10000)]
        );
    }

    #[test]
    fn rounding_of_each_amount_is_corrected_to_the_balance_at_the_rate() {
        let to_base = ToBase::new(
            Currency::USD,
            RateTable::new([rate("2026-01-01", Currency::EUR, Currency::USD, "1.005")]),
        );
        // Each 0.01 EUR converts to 0.01 USD (1.005 cents, half to even); 3 of them are 0.03
        // USD, but 0.03 EUR is worth 3.015 → 0.03 USD: no change. 10 of them: 0.10 vs 0.10.
        // 100 of them: counted 1.00, worth 1.005 → 1.00 (even). 300: 3.00 vs 3.015 → 3.02.
        let days: Vec<ForeignDay> = (0..300)
            .map(|i| ForeignDay {
                date: d("2026-01-02") + chrono::Days::new(i),
                native: 1,
                counted: 1,
            })
            .collect();
        let moves = to_base.revaluations(Currency::EUR, &days);
        let total: i64 = moves.iter().map(|m| m.1).sum();
        assert_eq!(300 + total, 302, "{moves:?}");
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

        #[test]
        fn with_its_revaluations_a_foreign_balance_is_worth_its_own_balance_at_each_days_rate(
            flows in proptest::collection::vec((0_u64..120, -1_000_000_i64..1_000_000), 1..40),
            rates in proptest::collection::vec((0_u64..150, 1_u64..3_000_000, 0_u32..6), 1..12),
        ) {
            let start = d("2026-01-01");
            let at = |n: u64| start + chrono::Days::new(n);
            let table = RateTable::new(rates.iter().map(|&(n, m, scale)| Rate {
                date: at(n), from: Currency::GBP, to: Currency::USD,
                rate: Decimal::from_i128_with_scale(i128::from(m), scale),
            }));
            let mut to_base = ToBase::new(Currency::USD, table.clone());
            let days: Vec<ForeignDay> = flows.iter().map(|&(n, native)| ForeignDay {
                date: at(n),
                native,
                counted: to_base.amount(native, Currency::GBP, at(n)).unwrap_or(0),
            }).collect();
            let moves = to_base.revaluations(Currency::GBP, &days);
            for n in 0..160 {
                let date = at(n);
                let native: i64 = days.iter().filter(|x| x.date <= date).map(|x| x.native).sum();
                let counted: i64 = days.iter().filter(|x| x.date <= date).map(|x| x.counted).sum();
                let revalued: i64 = moves.iter().filter(|m| m.0 <= date).map(|m| m.1).sum();
                let first = days.iter().map(|x| x.date).min().unwrap();
                if let (true, Converted::Amount(worth)) =
                    (date >= first, table.convert(native, Currency::GBP, Currency::USD, date))
                {
                    prop_assert_eq!(counted + revalued, worth, "on {}", date);
                }
            }
        }
    }
}

//! How large a file's values and records may be, in one place so the other crates can
//! check against the same figures.
//!
//! Amounts are `i64` minor units that analytics and charts sum and scale: a value near
//! `i64::MAX` parses fine and overflows later. No small business moves a trillion in one
//! transaction or invoice, so anything beyond that is refused at the door.

use crate::error::{ErrorReason, Quoted};
use flowsense_core::money::Currency;

/// The largest absolute amount accepted, in major units of its currency.
pub const MAX_ABS_AMOUNT_MAJOR: i64 = 1_000_000_000_000;

/// Columns in one CSV record. Bank exports have a few dozen; the cap keeps a record of
/// empty fields from costing a string each, many times over while rows are held back.
pub(crate) const MAX_COLUMNS: usize = 1_000;

/// [`MAX_ABS_AMOUNT_MAJOR`] in minor units of `currency` (USD: 10^14).
#[must_use]
pub fn max_abs_minor(currency: Currency) -> i64 {
    // Saturates for a currency with so many decimals that the bound passes `i64`:
    // then every amount that parses is within it.
    10i64
        .checked_pow(currency.exponent())
        .and_then(|scale| MAX_ABS_AMOUNT_MAJOR.checked_mul(scale))
        .unwrap_or(i64::MAX)
}

/// `minor` when it is within the bound for `currency`; otherwise the error quoting `text`,
/// the amount as the file wrote it.
pub(crate) fn within_bound(minor: i64, currency: Currency, text: &str) -> Result<i64, ErrorReason> {
    if is_within_bound(minor, currency) {
        Ok(minor)
    } else {
        Err(out_of_range(text, currency))
    }
}

pub(crate) fn is_within_bound(minor: i64, currency: Currency) -> bool {
    minor.unsigned_abs() <= max_abs_minor(currency).unsigned_abs()
}

/// The error for an amount beyond the bound (or beyond `i64` altogether).
pub(crate) fn out_of_range(text: &str, currency: Currency) -> ErrorReason {
    ErrorReason::AmountOutOfRange {
        value: Quoted::new(text),
        limit: format!("±{} {currency}", grouped(MAX_ABS_AMOUNT_MAJOR)),
    }
}

/// `1000000` → `1,000,000`.
fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bound_in_minor_units_follows_the_currency() {
        assert_eq!(max_abs_minor(Currency::USD), 100_000_000_000_000);
        let yen = Currency::parse("JPY").expect("a currency");
        assert_eq!(max_abs_minor(yen), MAX_ABS_AMOUNT_MAJOR);
        let dinar = Currency::parse("KWD").expect("a currency");
        assert_eq!(max_abs_minor(dinar), 1_000_000_000_000_000);
    }

    #[test]
    fn edges_of_the_bound() {
        let max = max_abs_minor(Currency::USD);
        assert_eq!(within_bound(max, Currency::USD, "x"), Ok(max));
        assert_eq!(within_bound(-max, Currency::USD, "x"), Ok(-max));
        assert!(within_bound(max + 1, Currency::USD, "x").is_err());
        assert!(within_bound(-max - 1, Currency::USD, "x").is_err());
        assert!(within_bound(i64::MIN, Currency::USD, "x").is_err());
    }

    #[test]
    fn message_names_the_limit_in_words() {
        let reason = out_of_range("92233720368547758.07", Currency::USD);
        assert_eq!(
            reason.to_string(),
            r#"amount "92233720368547758.07" is beyond the largest accepted (±1,000,000,000,000 USD)"#
        );
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(-1_234_567), "-1,234,567");
    }
}

//! Amounts in the organisation's base currency: converted with the provider's exact rate and
//! rounded once, half to even, to the base currency's minor unit.

use crate::error::{Result, StorageError};
use flowsense_core::synced::Rate;
use flowsense_core::{Currency, Money};

/// `10^exp` as an `i128`, for the exponents currencies and rates use.
fn pow10(exp: u32) -> Option<i128> {
    10i128.checked_pow(exp)
}

/// `numerator / denominator` rounded half to even (`denominator > 0`).
fn div_half_even(numerator: i128, denominator: i128) -> i128 {
    let quotient = numerator.div_euclid(denominator);
    let remainder = numerator.rem_euclid(denominator);
    let twice = remainder * 2;
    if twice > denominator || (twice == denominator && quotient % 2 != 0) {
        quotient + 1
    } else {
        quotient
    }
}

/// `amount` in `base` minor units: unchanged when already in `base`; otherwise
/// `amount × rate`, the rate being base units per unit of the amount's currency, computed
/// exactly and rounded once (half to even).
///
/// # Errors
/// `Config` when the currencies differ and the provider gave no rate, or the result does not
/// fit in 64 bits.
pub(crate) fn to_base(amount: Money, rate: Option<Rate>, base: Currency) -> Result<i64> {
    if amount.currency == base {
        return Ok(amount.minor);
    }
    let rate = rate.ok_or_else(|| {
        StorageError::Config(format!(
            "an amount in {} has no exchange rate to {}",
            amount.currency.as_str(),
            base.as_str()
        ))
    })?;
    let too_large = || StorageError::Config("a converted amount is out of range".into());
    let numerator = i128::from(amount.minor)
        .checked_mul(i128::from(rate.mantissa))
        .and_then(|n| n.checked_mul(pow10(base.exponent())?))
        .ok_or_else(too_large)?;
    let denominator = pow10(amount.currency.exponent() + rate.scale).ok_or_else(too_large)?;
    i64::try_from(div_half_even(numerator, denominator)).map_err(|_| too_large())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur(minor: i64) -> Money {
        Money::new(minor, Currency::EUR)
    }

    #[test]
    fn converts_exactly_and_rounds_half_to_even_once() {
        let rate = |mantissa, scale| Some(Rate { mantissa, scale });
        assert_eq!(to_base(eur(1_000), None, Currency::EUR).ok(), Some(1_000));
        // 10.00 EUR at 1.1 = 11.00 USD.
        assert_eq!(
            to_base(eur(1_000), rate(11, 1), Currency::USD).ok(),
            Some(1_100)
        );
        // 0.05 EUR at 1.5 = 0.075 → 0.08 (half to even: 7.5 → 8); 0.15 at 1.5 = 0.225 → 0.22.
        assert_eq!(to_base(eur(5), rate(15, 1), Currency::USD).ok(), Some(8));
        assert_eq!(to_base(eur(15), rate(15, 1), Currency::USD).ok(), Some(22));
        assert_eq!(
            to_base(eur(-15), rate(15, 1), Currency::USD).ok(),
            Some(-22)
        );
        assert_eq!(to_base(eur(-5), rate(15, 1), Currency::USD).ok(), Some(-8));
        // 1,000 JPY at 0.006712 USD = 6.712 USD → 6.71.
        let jpy = Money::new(1_000, Currency::parse("JPY").expect("jpy"));
        assert_eq!(to_base(jpy, rate(6_712, 6), Currency::USD).ok(), Some(671));
        assert!(to_base(eur(1), None, Currency::USD).is_err());
        assert!(to_base(eur(i64::MAX), rate(i64::MAX, 0), Currency::USD).is_err());
    }
}

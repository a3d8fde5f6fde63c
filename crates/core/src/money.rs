//! Exact money: integer minor units plus an ISO 4217 currency. Never floating point.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// An ISO 4217 currency code (three ASCII upper-case letters).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl Currency {
    pub const USD: Currency = Currency(*b"USD");
    pub const EUR: Currency = Currency(*b"EUR");
    pub const GBP: Currency = Currency(*b"GBP");

    /// Parses a three-letter code, upper-casing it.
    ///
    /// # Errors
    /// When the text is not exactly three ASCII letters.
    pub fn parse(code: &str) -> Result<Self, MoneyError> {
        let b = code.trim().as_bytes();
        if b.len() != 3 || !b.iter().all(u8::is_ascii_alphabetic) {
            return Err(MoneyError::BadCurrency(code.chars().take(8).collect()));
        }
        Ok(Currency([
            b[0].to_ascii_uppercase(),
            b[1].to_ascii_uppercase(),
            b[2].to_ascii_uppercase(),
        ]))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        // Constructed only from ASCII letters.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Number of decimal places of the minor unit (ISO 4217).
    #[must_use]
    pub fn exponent(self) -> u32 {
        match &self.0 {
            b"JPY" | b"KRW" | b"VND" | b"CLP" | b"ISK" | b"UGX" | b"XAF" | b"XOF" | b"PYG" => 0,
            b"BHD" | b"KWD" | b"OMR" | b"JOD" | b"TND" | b"LYD" | b"IQD" => 3,
            _ => 2,
        }
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Currency {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::parse(s)
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// In the API's OpenAPI document: a string of three upper-case letters.
impl utoipa::PartialSchema for Currency {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^[A-Z]{3}$"))
            .description(Some("An ISO 4217 currency code."))
            .examples(["USD"])
            .into()
    }
}

impl utoipa::ToSchema for Currency {}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Currency::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Why an amount or currency was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("not a currency code: {0:?}")]
    BadCurrency(String),
    #[error("not an amount")]
    BadAmount,
    #[error("more decimal places than the currency allows ({0})")]
    TooPrecise(u32),
    #[error("amount out of range")]
    Overflow,
}

/// An exact amount of one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    /// Amount in minor units (cents for USD). Negative is money out.
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    #[must_use]
    pub fn new(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    /// Parses a plain decimal (`-1234.5`, `+12`, `0.07`) into minor units of `currency`, exactly.
    ///
    /// # Errors
    /// On anything but an optional sign, digits and at most one `.` followed by no more
    /// fraction digits than the currency has; or when it does not fit in `i64` minor units.
    pub fn parse(text: &str, currency: Currency) -> Result<Self, MoneyError> {
        parse_minor(text, currency.exponent()).map(|minor| Money { minor, currency })
    }

    /// Renders as a plain decimal with the currency's number of places (`-1234.50`).
    #[must_use]
    pub fn to_decimal_string(self) -> String {
        format_minor(self.minor, self.currency.exponent())
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.to_decimal_string(), self.currency)
    }
}

/// Parses a plain decimal into integer units of `10^-exponent`. Exact; no rounding.
///
/// # Errors
/// See [`Money::parse`].
pub fn parse_minor(text: &str, exponent: u32) -> Result<i64, MoneyError> {
    let t = text.trim();
    let (negative, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (int_part, frac_part) = match digits.split_once('.') {
        Some((i, f)) => (i, f),
        None => (digits, ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(MoneyError::BadAmount);
    }
    if !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(MoneyError::BadAmount);
    }
    let frac_trimmed = frac_part.trim_end_matches('0');
    if u32::try_from(frac_trimmed.len()).map_or(true, |n| n > exponent) {
        return Err(MoneyError::TooPrecise(exponent));
    }
    // The magnitude is accumulated past `i64::MAX` by one, so that `i64::MIN` reads back.
    let limit = u64::MAX / 2 + 1;
    let mut value: u64 = 0;
    let mut frac_digits = frac_trimmed.bytes();
    let fraction = (0..exponent).map(|_| frac_digits.next().unwrap_or(b'0'));
    for b in int_part.bytes().chain(fraction) {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(b - b'0')))
            .filter(|&v| v <= limit)
            .ok_or(MoneyError::Overflow)?;
    }
    let signed = if negative {
        0i64.checked_sub_unsigned(value)
    } else {
        i64::try_from(value).ok()
    };
    signed.ok_or(MoneyError::Overflow)
}

/// Formats integer minor units as a plain decimal with `exponent` places.
#[must_use]
pub fn format_minor(minor: i64, exponent: u32) -> String {
    if exponent == 0 {
        return minor.to_string();
    }
    let scale = 10u64.pow(exponent);
    let abs = minor.unsigned_abs();
    let sign = if minor < 0 { "-" } else { "" };
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = exponent as usize
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exactly() {
        assert_eq!(parse_minor("12.34", 2), Ok(1234));
        assert_eq!(parse_minor("-0.07", 2), Ok(-7));
        assert_eq!(parse_minor("+5", 2), Ok(500));
        assert_eq!(parse_minor("5.", 2), Ok(500));
        assert_eq!(parse_minor(".5", 2), Ok(50));
        assert_eq!(parse_minor("1.230", 2), Ok(123));
        assert_eq!(parse_minor("100", 0), Ok(100));
        assert_eq!(parse_minor("1.2345", 3), Err(MoneyError::TooPrecise(3)));
        assert_eq!(parse_minor("12,3.4", 2), Err(MoneyError::BadAmount));
        assert_eq!(parse_minor("", 2), Err(MoneyError::BadAmount));
        assert_eq!(parse_minor("-", 2), Err(MoneyError::BadAmount));
        assert_eq!(parse_minor("1e5", 2), Err(MoneyError::BadAmount));
        assert_eq!(
            parse_minor("99999999999999999999", 2),
            Err(MoneyError::Overflow)
        );
    }

    #[test]
    fn formats_round_trip() {
        for v in [
            0,
            1,
            -1,
            99,
            -100,
            123_456_789,
            i64::MIN,
            i64::MIN + 1,
            i64::MAX,
        ] {
            for exponent in 0..=3 {
                assert_eq!(parse_minor(&format_minor(v, exponent), exponent), Ok(v));
            }
        }
        assert_eq!(format_minor(i64::MIN, 2), "-92233720368547758.08");
        assert_eq!(
            Money::new(i64::MIN, Currency::USD).to_string(),
            "-92233720368547758.08 USD"
        );
        assert_eq!(
            parse_minor("92233720368547758.08", 2),
            Err(MoneyError::Overflow)
        );
        assert_eq!(
            parse_minor("-92233720368547758.09", 2),
            Err(MoneyError::Overflow)
        );
        assert_eq!(format_minor(-5, 2), "-0.05");
        assert_eq!(format_minor(5, 3), "0.005");
    }

    #[test]
    fn currency_codes() {
        assert_eq!(Currency::parse("usd").unwrap(), Currency::USD);
        assert!(Currency::parse("US").is_err());
        assert!(Currency::parse("U$D").is_err());
        assert_eq!(Currency::parse("JPY").unwrap().exponent(), 0);
    }
}

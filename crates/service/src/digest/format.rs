//! Amounts as people read them, exact from minor units (no floating point): grouped digits
//! and a currency sign, the same forms the web pages use.

use flowsense_core::Currency;

fn symbol(currency: Currency) -> Option<&'static str> {
    match currency.as_str() {
        "USD" | "CAD" | "AUD" | "NZD" => Some("$"),
        "EUR" => Some("€"),
        "GBP" => Some("£"),
        "JPY" => Some("¥"),
        _ => None,
    }
}

fn group(mut n: u128) -> String {
    let mut parts = Vec::new();
    loop {
        if n < 1000 {
            parts.push(n.to_string());
            break;
        }
        parts.push(format!("{:03}", n % 1000));
        n /= 1000;
    }
    parts.reverse();
    parts.join(",")
}

fn exact(sign: &str, size: u64, currency: Currency) -> String {
    let exponent = currency.exponent();
    let scale = 10u128.pow(exponent);
    let abs = u128::from(size);
    let number = if exponent == 0 {
        group(abs)
    } else {
        format!(
            "{}.{:0width$}",
            group(abs / scale),
            abs % scale,
            width = exponent as usize
        )
    };
    match symbol(currency) {
        Some(s) => format!("{sign}{s}{number}"),
        None => format!("{sign}{number} {}", currency.as_str()),
    }
}

/// `-$1,234.56` (or `-1,234.56 SEK` for currencies without a common sign).
#[must_use]
pub fn money(minor: i64, currency: Currency) -> String {
    exact(
        if minor < 0 { "-" } else { "" },
        minor.unsigned_abs(),
        currency,
    )
}

/// A change, always signed: `+$1,204.50`, `-$80.00`, `$0.00`.
#[must_use]
pub fn money_change(minor: i64, currency: Currency) -> String {
    let sign = match minor.signum() {
        1 => "+",
        -1 => "-",
        _ => "",
    };
    exact(sign, minor.unsigned_abs(), currency)
}

/// The size of an amount without its sign (`$1,234.56` for a payment of -1,234.56).
#[must_use]
pub fn money_size(minor: i64, currency: Currency) -> String {
    exact("", minor.unsigned_abs(), currency)
}

/// A signed change in basis points: `+12.0%`, `-3.5%`.
#[must_use]
pub fn percent(bp: i64) -> String {
    let sign = if bp >= 0 { "+" } else { "-" };
    format!("{sign}{}", share(bp))
}

/// A share in basis points, unsigned: `35.2%`.
#[must_use]
pub fn share(bp: i64) -> String {
    let abs = bp.unsigned_abs();
    format!("{}.{}%", abs / 100, (abs % 100) / 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_exact_grouped_and_signed() {
        assert_eq!(money(-123_456_789, Currency::USD), "-$1,234,567.89");
        assert_eq!(money(5, Currency::USD), "$0.05");
        assert_eq!(money_change(120_450, Currency::USD), "+$1,204.50");
        assert_eq!(money_change(-8_000, Currency::USD), "-$80.00");
        assert_eq!(money_change(0, Currency::USD), "$0.00");
        assert_eq!(
            money_size(i64::MIN, Currency::USD),
            "$92,233,720,368,547,758.08"
        );
        let sek = Currency::parse("SEK").expect("SEK");
        assert_eq!(money(-150, sek), "-1.50 SEK");
        let yen = Currency::parse("JPY").expect("JPY");
        assert_eq!(money(1_234_567, yen), "¥1,234,567");
        assert_eq!(percent(1200), "+12.0%");
        assert_eq!(share(3521), "35.2%");
    }
}

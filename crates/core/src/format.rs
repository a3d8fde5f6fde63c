//! Numbers as people read them, exact from minor units (no floating point): grouped digits and
//! a currency sign. The pages, the e-mailed digest and the CLI all write amounts through these.

use crate::Currency;

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

/// A count with grouped digits: `1,250,000`.
#[must_use]
pub fn count(n: i64) -> String {
    let sign = if n < 0 { "-" } else { "" };
    format!("{sign}{}", group(u128::from(n.unsigned_abs())))
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

/// The size of an amount, without its sign (`$1,234.56` for a payment of -1,234.56): exact
/// for `i64::MIN` too, whose size no `i64` holds.
#[must_use]
pub fn money_size(minor: i64, currency: Currency) -> String {
    exact("", minor.unsigned_abs(), currency)
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

/// Whole units only (`$12,345`), for headline figures and chart axes; rounds half away from zero.
#[must_use]
pub fn money_whole(minor: i64, currency: Currency) -> String {
    whole(i128::from(minor), currency)
}

/// [`money_whole`] of the size of an amount, without its sign (exact for `i64::MIN` too).
#[must_use]
pub fn money_whole_size(minor: i64, currency: Currency) -> String {
    whole(i128::from(minor.unsigned_abs()), currency)
}

fn whole(minor: i128, currency: Currency) -> String {
    let scale = 10i128.pow(currency.exponent());
    let units = (minor + scale / 2 * minor.signum()) / scale;
    let sign = if units < 0 { "-" } else { "" };
    let number = group(units.unsigned_abs());
    match symbol(currency) {
        Some(s) => format!("{sign}{s}{number}"),
        None => format!("{sign}{number} {}", currency.as_str()),
    }
}

/// Compact axis labels: `$1.2M`, `$350k`, `$900`. Takes `i128`: an axis may reach a step past
/// the largest `i64` amount.
#[must_use]
pub fn money_compact(minor: i128, currency: Currency) -> String {
    let units = minor / 10i128.pow(currency.exponent());
    let abs = units.unsigned_abs();
    let sign = if units < 0 { "-" } else { "" };
    let s = symbol(currency).unwrap_or("");
    // `v / d` to one decimal, rounded half up, without forming `v * 10` (which could overflow).
    let tenths = |v: u128, d: u128| {
        let t = v / d * 10 + ((v % d) * 10 + d / 2) / d;
        if t.is_multiple_of(10) {
            format!("{}", t / 10)
        } else {
            format!("{}.{}", t / 10, t % 10)
        }
    };
    if abs >= 1_000_000 {
        format!("{sign}{s}{}M", tenths(abs, 1_000_000))
    } else if abs >= 1_000 {
        format!("{sign}{s}{}k", tenths(abs, 1_000))
    } else {
        format!("{sign}{s}{abs}")
    }
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
    format!("{}%", share_value(bp))
}

/// A share in basis points as a plain number of percent (`35.2`), for a `<meter>`'s value.
#[must_use]
pub fn share_value(bp: i64) -> String {
    let abs = bp.unsigned_abs();
    format!("{}.{}", abs / 100, (abs % 100) / 10)
}

/// A name made possessive in English: `Harbor Dental Studio's`, but `Northwind Coffee
/// Roasters'` for a name ending in s.
#[must_use]
pub fn possessive(name: &str) -> String {
    let name = name.trim_end();
    if name.ends_with(['s', 'S']) {
        format!("{name}'")
    } else {
        format!("{name}'s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_ending_in_s_take_only_the_apostrophe() {
        assert_eq!(
            possessive("Northwind Coffee Roasters"),
            "Northwind Coffee Roasters'"
        );
        assert_eq!(possessive("ACME SYSTEMS "), "ACME SYSTEMS'");
        assert_eq!(possessive("Harbor Dental Studio"), "Harbor Dental Studio's");
    }

    #[test]
    fn counts_are_grouped() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_250_000), "1,250,000");
        assert_eq!(count(-1_000), "-1,000");
        assert_eq!(count(i64::MIN), "-9,223,372,036,854,775,808");
    }

    #[test]
    fn money_is_grouped_and_signed() {
        assert_eq!(money(-123_456_789, Currency::USD), "-$1,234,567.89");
        assert_eq!(money(5, Currency::USD), "$0.05");
        assert_eq!(money_whole(123_450, Currency::USD), "$1,235");
        assert_eq!(money_whole(-149, Currency::USD), "-$1");
        assert_eq!(money_compact(123_456_789, Currency::USD), "$1.2M");
        assert_eq!(money_compact(-35_000_000, Currency::USD), "-$350k");
        assert_eq!(money_compact(90_000, Currency::USD), "$900");
        assert_eq!(percent(1200), "+12.0%");
        assert_eq!(percent(-355), "-3.5%");
        assert_eq!(share(3521), "35.2%");
    }

    #[test]
    fn the_extremes_of_i64_format_without_overflow() {
        assert_eq!(
            money(i64::MIN, Currency::USD),
            "-$92,233,720,368,547,758.08"
        );
        assert_eq!(money(i64::MAX, Currency::USD), "$92,233,720,368,547,758.07");
        assert_eq!(
            money_whole(i64::MIN, Currency::USD),
            "-$92,233,720,368,547,758"
        );
        let yen = Currency::parse("JPY").expect("JPY");
        assert_eq!(money_compact(i64::MAX.into(), yen), "¥9223372036854.8M");
        assert_eq!(money_compact(i64::MIN.into(), yen), "-¥9223372036854.8M");
        assert_eq!(
            money_compact(i64::MIN.into(), Currency::USD),
            "-$92233720368.5M"
        );
        assert_eq!(
            money_compact(i128::from(i64::MAX) * 4, yen),
            "¥36893488147419.1M"
        );
        assert_eq!(percent(i64::MIN), "-92233720368547758.0%");
        assert_eq!(share(i64::MAX), "92233720368547758.0%");
    }

    #[test]
    fn changes_are_always_signed_and_other_currencies_named() {
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
    }
}

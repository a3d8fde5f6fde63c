//! Amounts as banks write them (`-1,234.56`, `(1,234.56)`, `1.234,56`, `€12.00`, `12.00-`),
//! converted exactly to integer minor units. Anything not clearly one amount is an error.

use crate::bounds::{out_of_range, within_bound};
use crate::error::{ErrorReason, Quoted};
use flowsense_core::money::{Currency, MoneyError, parse_minor};

/// The character between whole and fractional units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecimalSeparator {
    /// `1,234.56`
    Dot,
    /// `1.234,56`
    Comma,
}

impl DecimalSeparator {
    fn char(self) -> char {
        match self {
            DecimalSeparator::Dot => '.',
            DecimalSeparator::Comma => ',',
        }
    }

    fn other(self) -> char {
        match self {
            DecimalSeparator::Dot => ',',
            DecimalSeparator::Comma => '.',
        }
    }
}

/// How the decimal separator of a value is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecimalMode {
    /// Known for the whole file (given by the user, or fixed by an earlier value).
    Fixed(DecimalSeparator),
    /// Read from the value itself where it is unambiguous; `default` otherwise
    /// (`1,234` with a three-decimal currency).
    Auto { default: DecimalSeparator },
}

/// A parsed amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Amount {
    pub minor: i64,
    /// The decimal separator this value proves the file uses, if it proves one.
    pub decimal: Option<DecimalSeparator>,
}

const CURRENCY_SYMBOLS: [char; 3] = ['$', '€', '£'];
const SPACES: [char; 3] = [' ', '\u{A0}', '\u{202F}'];

/// Why an amount did not parse: malformed (with a hint), or too large for `i64` at all.
enum AmountError {
    Malformed(String),
    Overflow,
}

impl From<String> for AmountError {
    fn from(hint: String) -> Self {
        AmountError::Malformed(hint)
    }
}

/// Parses one amount into minor units of a currency with `exponent` decimals.
///
/// # Errors
/// A short hint saying what is wrong (empty string when nothing more specific is known).
pub fn parse_amount(text: &str, mode: DecimalMode, exponent: u32) -> Result<Amount, String> {
    parse_exact(text, mode, exponent).map_err(|e| match e {
        AmountError::Malformed(hint) => hint,
        AmountError::Overflow => "out of range".into(),
    })
}

/// [`parse_amount`] for an amount of `currency`, refused beyond the accepted bound
/// ([`crate::MAX_ABS_AMOUNT_MAJOR`]).
pub(crate) fn parse_bounded_amount(
    text: &str,
    mode: DecimalMode,
    currency: Currency,
) -> Result<Amount, ErrorReason> {
    let amount = parse_exact(text, mode, currency.exponent()).map_err(|e| match e {
        AmountError::Malformed(hint) => ErrorReason::BadAmount {
            value: Quoted::new(text),
            hint,
        },
        AmountError::Overflow => out_of_range(text, currency),
    })?;
    within_bound(amount.minor, currency, text)?;
    Ok(amount)
}

fn parse_exact(text: &str, mode: DecimalMode, exponent: u32) -> Result<Amount, AmountError> {
    let (negative, core) = strip_sign_and_symbol(text)?;
    if core.is_empty() {
        return Err(String::new().into());
    }
    if let Some(bad) = core.chars().find(|&c| {
        !(c.is_ascii_digit() || c == '.' || c == ',' || c == '\'' || SPACES.contains(&c))
    }) {
        return Err(format!("unexpected {bad:?}").into());
    }
    let (decimal, decisive) = decide_separator(core, mode, exponent)?;
    let (int_part, frac_part) = match decimal.and_then(|d| core.split_once(d.char())) {
        Some((i, f)) => (i, f),
        None => (core, ""),
    };
    if frac_part.contains(['.', ',', '\'']) || frac_part.contains(SPACES) {
        return Err(String::from("separator after the decimal point").into());
    }
    let digits = ungroup(int_part, decimal)?;
    if digits.is_empty() && frac_part.is_empty() {
        return Err(String::new().into());
    }
    let plain = format!("{}{digits}.{frac_part}", if negative { "-" } else { "" });
    let minor = parse_minor(&plain, exponent).map_err(|e| match e {
        MoneyError::TooPrecise(n) => format!("more than {n} decimal places").into(),
        MoneyError::Overflow => AmountError::Overflow,
        _ => String::new().into(),
    })?;
    Ok(Amount {
        minor,
        decimal: if decisive { decimal } else { None },
    })
}

/// A currency code written before or after the number (`CHF 1'234.50`, `4.215,33 EUR`):
/// three capital letters apart from it by a space.
fn strip_currency_code(text: &str) -> (&str, bool) {
    let is_code = |code: &str| code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase());
    if let Some((code, rest)) = text.split_once(' ')
        && is_code(code)
    {
        return (rest, true);
    }
    if let Some((rest, code)) = text.rsplit_once(' ')
        && is_code(code)
    {
        return (rest, true);
    }
    (text, false)
}

/// Removes one sign marker (`-`, `+`, `−`, trailing `-`, or parentheses) and one currency
/// symbol or code, returning whether the amount is negative and the bare number.
fn strip_sign_and_symbol(text: &str) -> Result<(bool, &str), String> {
    let (s, coded) = strip_currency_code(text.trim());
    let mut s = s.trim();
    let mut signs = 0;
    let mut negative = false;
    let mut symbols = usize::from(coded);
    if let Some(inner) = s.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        s = inner.trim();
        signs += 1;
        negative = true;
    }
    while let Some(c) = s.chars().next() {
        if CURRENCY_SYMBOLS.contains(&c) {
            symbols += 1;
        } else if c == '-' || c == '−' || c == '+' {
            signs += 1;
            negative |= c != '+';
        } else if !SPACES.contains(&c) {
            break;
        }
        s = &s[c.len_utf8()..];
    }
    while let Some(c) = s.chars().next_back() {
        if CURRENCY_SYMBOLS.contains(&c) {
            symbols += 1;
        } else if c == '-' || c == '+' {
            signs += 1;
            negative |= c == '-';
        } else if !SPACES.contains(&c) {
            break;
        }
        s = &s[..s.len() - c.len_utf8()];
    }
    if signs > 1 {
        return Err("more than one sign".into());
    }
    if symbols > 1 {
        return Err("more than one currency symbol".into());
    }
    Ok((negative, s))
}

/// Which of `.`/`,` is the decimal separator in `core`, and whether the value proves it.
fn decide_separator(
    core: &str,
    mode: DecimalMode,
    exponent: u32,
) -> Result<(Option<DecimalSeparator>, bool), String> {
    let dots = core.matches('.').count();
    let commas = core.matches(',').count();
    let fixed = match mode {
        DecimalMode::Fixed(sep) => sep,
        DecimalMode::Auto { default } => {
            let last = core.rfind(['.', ',']);
            return Ok(match last {
                None => (None, false),
                Some(pos) => {
                    let (sep, count) = if core.as_bytes()[pos] == b'.' {
                        (DecimalSeparator::Dot, dots)
                    } else {
                        (DecimalSeparator::Comma, commas)
                    };
                    let both = dots > 0 && commas > 0;
                    let trailing = core.len() - pos - 1;
                    if both {
                        (Some(sep), true)
                    } else if count > 1 {
                        // `1,234,567`: only ever a thousands separator.
                        (Some(opposite(sep)), false)
                    } else if trailing == 3 && exponent >= 3 {
                        (Some(default), false)
                    } else if trailing == 3 && pos > 0 && core[..pos].bytes().any(|b| b != b'0') {
                        // `1,234`: a grouping separator; three decimals would not fit the currency.
                        (Some(opposite(sep)), false)
                    } else {
                        (Some(sep), true)
                    }
                }
            });
        }
    };
    let own = if fixed == DecimalSeparator::Dot {
        dots
    } else {
        commas
    };
    if own > 1 {
        return Err(format!("more than one {:?}", fixed.char()));
    }
    if let (Some(d), Some(o)) = (core.find(fixed.char()), core.find(fixed.other()))
        && o > d
    {
        return Err(format!(
            "the file uses {:?} as decimal separator",
            fixed.char()
        ));
    }
    Ok((Some(fixed), false))
}

fn opposite(sep: DecimalSeparator) -> DecimalSeparator {
    match sep {
        DecimalSeparator::Dot => DecimalSeparator::Comma,
        DecimalSeparator::Comma => DecimalSeparator::Dot,
    }
}

/// Removes thousands separators from the whole-units part, checking the groups are of three.
fn ungroup(int_part: &str, decimal: Option<DecimalSeparator>) -> Result<String, String> {
    let is_group_sep = |c: char| {
        c == '\''
            || SPACES.contains(&c)
            || decimal.is_none_or(|d| c == d.other()) && (c == '.' || c == ',')
    };
    let mut groups = int_part.split(is_group_sep);
    let first = groups.next().unwrap_or_default();
    let rest: Vec<&str> = groups.collect();
    if rest.is_empty() {
        return Ok(first.to_owned());
    }
    let kinds: Vec<char> = int_part.chars().filter(|&c| is_group_sep(c)).collect();
    if kinds.iter().any(|&c| c != kinds[0]) {
        return Err("mixed thousands separators".into());
    }
    if first.is_empty() || first.len() > 3 || rest.iter().any(|g| g.len() != 3) {
        return Err("misplaced thousands separator".into());
    }
    let mut digits = String::with_capacity(int_part.len());
    digits.push_str(first);
    for g in rest {
        digits.push_str(g);
    }
    Ok(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    const AUTO: DecimalMode = DecimalMode::Auto {
        default: DecimalSeparator::Dot,
    };
    const COMMA: DecimalMode = DecimalMode::Fixed(DecimalSeparator::Comma);

    fn minor(text: &str, mode: DecimalMode) -> Result<i64, String> {
        parse_amount(text, mode, 2).map(|a| a.minor)
    }

    #[test]
    fn common_formats() {
        assert_eq!(minor("-1,234.56", AUTO), Ok(-123_456));
        assert_eq!(minor("(1,234.56)", AUTO), Ok(-123_456));
        assert_eq!(minor("1.234,56", AUTO), Ok(123_456));
        assert_eq!(minor("$1,234.56", AUTO), Ok(123_456));
        assert_eq!(minor("-$5.00", AUTO), Ok(-500));
        assert_eq!(minor("$-5.00", AUTO), Ok(-500));
        assert_eq!(minor("€ 12,50", AUTO), Ok(1250));
        assert_eq!(minor("12.50 €", AUTO), Ok(1250));
        assert_eq!(minor("£3", AUTO), Ok(300));
        assert_eq!(minor("12.00-", AUTO), Ok(-1200));
        assert_eq!(minor("1 234,56", AUTO), Ok(123_456));
        assert_eq!(minor("1'234.56", AUTO), Ok(123_456));
        assert_eq!(minor("1,234,567", AUTO), Ok(123_456_700));
        assert_eq!(minor("1,234", AUTO), Ok(123_400));
        assert_eq!(minor("0,50", AUTO), Ok(50));
        assert_eq!(minor("−7.5", AUTO), Ok(-750));
        assert_eq!(minor("CHF 1'234.50", AUTO), Ok(123_450));
        assert_eq!(minor("4.215,33 EUR", AUTO), Ok(421_533));
        assert_eq!(minor("USD -5.00", AUTO), Ok(-500));
    }

    #[test]
    fn refuses_guesses() {
        assert!(minor("12,3.4", AUTO).is_err());
        assert!(minor("1,23,456.00", AUTO).is_err());
        assert!(minor("1.2.3", COMMA).is_err());
        assert!(minor("12.50", COMMA).is_err());
        assert!(minor("1,234.56", COMMA).is_err());
        assert!(minor("--5", AUTO).is_err());
        assert!(minor("(-5)", AUTO).is_err());
        assert!(minor("5e3", AUTO).is_err());
        assert!(minor("", AUTO).is_err());
        assert!(minor("$", AUTO).is_err());
        assert!(minor("EUR 5 €", AUTO).is_err(), "a code and a symbol");
        assert!(minor("Eur 5", AUTO).is_err());
        assert!(minor("1.234", AUTO.into_fixed_dot()).is_err());
    }

    #[test]
    fn proves_the_decimal_separator() {
        let a = parse_amount("1.234,56", AUTO, 2).unwrap();
        assert_eq!(a.decimal, Some(DecimalSeparator::Comma));
        let a = parse_amount("1,234", AUTO, 2).unwrap();
        assert_eq!(a.decimal, None);
        let a = parse_amount("1,234", AUTO, 3).unwrap();
        assert_eq!((a.minor, a.decimal), (1_234_000, None));
    }

    #[test]
    fn bounded_amounts_stop_at_a_trillion() {
        let usd = |text| parse_bounded_amount(text, AUTO, Currency::USD).map(|a| a.minor);
        let out_of_range =
            |r: Result<i64, ErrorReason>| matches!(r, Err(ErrorReason::AmountOutOfRange { .. }));
        assert_eq!(usd("1,000,000,000,000.00"), Ok(100_000_000_000_000));
        assert_eq!(usd("(1,000,000,000,000.00)"), Ok(-100_000_000_000_000));
        assert!(out_of_range(usd("1,000,000,000,000.01")));
        assert!(out_of_range(usd("-1000000000000.01")));
        // Past `i64` itself: the same refusal, not a bare "out of range".
        assert!(out_of_range(usd("-92233720368547758.08")));
        assert!(matches!(usd("12,3.4"), Err(ErrorReason::BadAmount { .. })));
        assert_eq!(
            minor("92233720368547758.08", AUTO),
            Err("out of range".into())
        );
    }

    impl DecimalMode {
        fn into_fixed_dot(self) -> DecimalMode {
            DecimalMode::Fixed(DecimalSeparator::Dot)
        }
    }
}

//! Whether every number a model wrote is one of the figures it was given. A number counts as
//! given when it is a figure written at the precision the text uses: `12,334.97`, `12334.97`,
//! `$12,335` and `$12.3k` are all 1,233,497 cents; `12.5%` and `13%` are 1,250 basis points; a
//! date's year, month and day each count; a number written with `%` must be a percentage. Signs
//! are ignored (a burn of -2,000 may be written "2,000 a month"); names among the figures are
//! taken out of the text first, so the digits in "Studio 54" or in a pseudonym are not read as
//! numbers.

use crate::insights::{Figure, FigureValue};
use chrono::Datelike;

/// A number as given: `mantissa / 10^scale`, sign dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Exact {
    mantissa: u128,
    scale: u32,
    /// A percentage: the only kind a number written with `%` can be.
    percent: bool,
}

/// A number as written: its digits (`scale` of them after the point), times `10^exponent`
/// (`k` 3, `m` 6, `bn` 9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub text: String,
    digits: u128,
    scale: u32,
    exponent: u32,
    percent: bool,
}

fn pow10(n: u32) -> Option<u128> {
    10u128.checked_pow(n)
}

impl Written {
    /// Whether `value`, rounded half away from zero to the precision of this number, is it.
    fn matches(&self, value: Exact) -> bool {
        if self.percent && !value.percent {
            return false;
        }
        let (Some(up), Some(down)) = (pow10(self.scale), pow10(value.scale + self.exponent)) else {
            return false;
        };
        let Some(num) = value.mantissa.checked_mul(up) else {
            return false;
        };
        let rounded = (num + down / 2) / down;
        // Rounding a figure away to nothing is not quoting it.
        rounded == self.digits && (rounded != 0 || value.mantissa == 0)
    }
}

fn exact_values(figure: &Figure) -> Vec<Exact> {
    let e = |m: i128, scale: u32| Exact {
        mantissa: m.unsigned_abs(),
        scale,
        percent: false,
    };
    match &figure.value {
        FigureValue::Money { minor, currency } => vec![e((*minor).into(), currency.exponent())],
        FigureValue::Percent { bp } => vec![Exact {
            percent: true,
            ..e((*bp).into(), 2)
        }],
        FigureValue::Count { n } => vec![e((*n).into(), 0)],
        FigureValue::Months { tenths } => vec![e((*tenths).into(), 1)],
        FigureValue::Date { date } => vec![
            e(date.year().into(), 0),
            e(date.month().into(), 0),
            e(date.day().into(), 0),
        ],
        FigureValue::Name { .. } | FigureValue::Label { .. } => Vec::new(),
    }
}

/// Suffixes that scale a number, longest first.
const SCALES: [(&str, u32); 7] = [
    ("bn", 9),
    ("k", 3),
    ("K", 3),
    ("m", 6),
    ("M", 6),
    ("B", 9),
    ("%", 0),
];
/// Ordinal endings: `3rd` is the number 3.
const ORDINALS: [&str; 4] = ["st", "nd", "rd", "th"];

/// The numbers written in `text`, in order. A number inside a word (`P10`, `7F3A`, `Q4`) is
/// not one.
#[must_use]
pub fn numbers_in(text: &str) -> Vec<Written> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let inside_word = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if !chars[i].is_ascii_digit() || inside_word {
            i += 1;
            continue;
        }
        let mut j = i;
        let mut digits = String::new();
        let mut scale = 0u32;
        let mut after_point = false;
        while j < chars.len() {
            let c = chars[j];
            let next_is_digit = chars.get(j + 1).is_some_and(char::is_ascii_digit);
            if c.is_ascii_digit() {
                digits.push(c);
                if after_point {
                    scale += 1;
                }
            } else if c == ',' && next_is_digit && !after_point {
                // A thousands separator.
            } else if c == '.' && next_is_digit && !after_point {
                after_point = true;
            } else {
                break;
            }
            j += 1;
        }
        let rest: String = chars[j..chars.len().min(j + 3)].iter().collect();
        let mut exponent = 0;
        let mut percent = false;
        let mut end = j;
        let mut word = false;
        if let Some((suffix, e)) = SCALES.iter().find(|(s, _)| rest.starts_with(s)) {
            let after = chars.get(j + suffix.chars().count());
            if after.is_none_or(|c| !c.is_alphanumeric()) {
                exponent = *e;
                percent = *suffix == "%";
                end = j + suffix.chars().count();
            } else {
                word = true;
            }
        } else if ORDINALS.iter().any(|o| rest.starts_with(o)) {
            end = j + 2;
        } else if chars.get(j).is_some_and(|c| c.is_alphabetic() || *c == '_') {
            word = true;
        }
        if word {
            // Skip the rest of the word it belongs to.
            while end < chars.len() && (chars[end].is_alphanumeric() || chars[end] == '_') {
                end += 1;
            }
        } else if let Ok(value) = digits.parse::<u128>() {
            out.push(Written {
                text: chars[i..end].iter().collect(),
                digits: value,
                scale,
                exponent,
                percent,
            });
        } else {
            // Too long to be any figure: never given.
            out.push(Written {
                text: chars[i..end].iter().collect(),
                digits: u128::MAX,
                scale,
                exponent,
                percent,
            });
        }
        i = end.max(i + 1);
    }
    out
}

/// The numbers of `text` that are none of `figures`, as written. Empty: every number was given.
/// `names` (the names the text may hold, pseudonyms included) are taken out first.
#[must_use]
pub fn invented_numbers(text: &str, figures: &[Figure], names: &[String]) -> Vec<String> {
    let mut cleaned = text.to_owned();
    let mut names: Vec<&String> = names.iter().filter(|n| !n.is_empty()).collect();
    // Longest first, so a name inside another is not cut out of it.
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    for name in names {
        cleaned = cleaned.replace(name.as_str(), " ");
    }
    let given: Vec<Exact> = figures.iter().flat_map(exact_values).collect();
    numbers_in(&cleaned)
        .into_iter()
        .filter(|w| !given.iter().any(|v| w.matches(*v)))
        .map(|w| w.text)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use flowsense_core::Currency;

    fn figures() -> Vec<Figure> {
        vec![
            Figure::money("average_monthly_burn", -1_233_497, Currency::USD),
            Figure::percent("price_change", 1_250),
            Figure::count("paid_invoices", 14),
            Figure::months("months_of_runway", 3.44),
            Figure::date(
                "since",
                NaiveDate::from_ymd_opt(2026, 4, 15).expect("valid date"),
            ),
            Figure::name("counterparty", "Studio 54"),
        ]
    }

    fn invented(text: &str) -> Vec<String> {
        invented_numbers(text, &figures(), &["Studio 54".to_owned()])
    }

    #[test]
    fn every_formatting_of_a_given_amount_passes() {
        for text in [
            "Burn is $12,334.97 a month.",
            "Burn is 12334.97 a month.",
            "Burn is -$12,334.97.",
            "About $12,335 a month.",
            "Roughly $12.3k a month, or $12k.",
            "Prices rose 12.5% (about 13%).",
            "Over 14 paid invoices.",
            "3.4 months of runway, about 3 months.",
            "Since 15 April 2026 (2026-04-15), the 15th.",
            "Studio 54 raised its price.",
        ] {
            assert!(invented(text).is_empty(), "{text}: {:?}", invented(text));
        }
    }

    #[test]
    fn a_number_not_given_is_caught() {
        assert_eq!(invented("Burn is $12,400.00 a month."), ["12,400.00"]);
        assert_eq!(invented("Burn is $13k a month."), ["13k"]);
        assert_eq!(invented("Prices rose 15%."), ["15%"]);
        assert_eq!(invented("Over 41 invoices."), ["41"]);
        assert_eq!(invented("Runway is 3.5 months."), ["3.5"]);
        assert_eq!(invented("Since 16 April."), ["16"]);
        // A figure rounded away to nothing is not a quote of it.
        assert_eq!(invented("About $0k."), ["0k"]);
        assert_eq!(invented("Studio 55 raised it."), ["55"]);
    }

    #[test]
    fn numbers_inside_words_are_not_numbers() {
        let found: Vec<String> = numbers_in("P10 forecast, Q4, Counterparty 7F3A, 3rd, 2x")
            .into_iter()
            .map(|w| w.text)
            .collect();
        assert_eq!(found, ["3rd"]);
    }
}

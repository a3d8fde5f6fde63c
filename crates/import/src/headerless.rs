//! Files without a header row (HSBC, CommBank, Wells Fargo write none): which column is what,
//! guessed from the first rows' values. The guess is reported in the import notes, so it can
//! be checked with `--dry-run` before anything is written, and overridden with `--map`.

use crate::amount::{DecimalMode, parse_amount};
use crate::columns::{Field, Layout};
use crate::date::parse_date_auto;
use crate::error::ErrorReason;

/// Rows looked at to guess the columns.
pub(crate) const SAMPLE_ROWS: usize = 50;

/// A value that reads as an amount and is not a bare whole number (an id, a cheque number).
fn is_amount(value: &str, decimal: DecimalMode) -> bool {
    value.contains(['.', ','])
        && value.bytes().any(|b| b.is_ascii_digit())
        && parse_amount(value, decimal, 2).is_ok()
}

fn is_date(value: &str) -> bool {
    value.bytes().any(|b| b.is_ascii_digit()) && parse_date_auto(value, None).is_ok()
}

/// Whether a first line is data rather than a header: it holds a date and an amount.
pub(crate) fn looks_like_data(fields: &[String], decimal: DecimalMode) -> bool {
    let Some(date) = fields.iter().position(|f| is_date(f)) else {
        return false;
    };
    fields
        .iter()
        .enumerate()
        .any(|(i, f)| i != date && is_amount(f, decimal))
}

/// What one column's sampled values are.
struct ColumnKind {
    filled: usize,
    dates: usize,
    amounts: usize,
    text_chars: usize,
}

/// Guesses the columns from sample rows: the first column of dates; the first column of
/// amounts filled on every row (or two that take turns: debit, then credit), so a running
/// balance further right is left alone; the longest text column as the description.
///
/// # Errors
/// [`ErrorReason::UnrecognisedHeader`] when no date or no amount column can be told.
pub(crate) fn guess(rows: &[Vec<String>], decimal: DecimalMode) -> Result<Layout, ErrorReason> {
    let width = rows.first().map_or(0, Vec::len);
    let kinds: Vec<ColumnKind> = (0..width)
        .map(|c| {
            let values = || {
                rows.iter()
                    .filter_map(move |r| r.get(c))
                    .filter(|v| !v.is_empty())
            };
            ColumnKind {
                filled: values().count(),
                dates: values().filter(|v| is_date(v)).count(),
                amounts: values().filter(|v| is_amount(v, decimal)).count(),
                text_chars: values()
                    .filter(|v| !is_amount(v, decimal) && !is_date(v))
                    .map(|v| v.chars().count())
                    .sum(),
            }
        })
        .collect();
    let unreadable = |what: &str| ErrorReason::UnrecognisedHeader(what.to_owned());
    let date = kinds
        .iter()
        .position(|k| k.filled > 0 && k.dates == k.filled)
        .ok_or_else(|| unreadable("date"))?;
    let numeric: Vec<usize> = (0..width)
        .filter(|&c| c != date && kinds[c].filled > 0 && kinds[c].amounts == kinds[c].filled)
        .collect();
    let mut found = vec![(Field::Date, date)];
    match numeric.as_slice() {
        [] => return Err(unreadable("amount")),
        [first, second, ..]
            if kinds[*first].filled < rows.len() && takes_turns(rows, *first, *second) =>
        {
            found.push((Field::Debit, *first));
            found.push((Field::Credit, *second));
        }
        [first, ..] => found.push((Field::Amount, *first)),
    }
    let description = (0..width)
        .filter(|c| found.iter().all(|(_, taken)| taken != c))
        .filter(|&c| kinds[c].text_chars > 0)
        .max_by_key(|&c| (kinds[c].text_chars, std::cmp::Reverse(c)));
    if let Some(c) = description {
        found.push((Field::Description, c));
    }
    Layout::guessed(&found, width)
}

/// Every row fills exactly one of the two columns.
fn takes_turns(rows: &[Vec<String>], a: usize, b: usize) -> bool {
    rows.iter().all(|r| {
        let filled = |c: usize| r.get(c).is_some_and(|v| !v.is_empty());
        filled(a) != filled(b)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::amount::DecimalSeparator;

    const DOT: DecimalMode = DecimalMode::Auto {
        default: DecimalSeparator::Dot,
    };

    fn rows(text: &str) -> Vec<Vec<String>> {
        text.lines()
            .map(|l| l.split(',').map(str::to_owned).collect())
            .collect()
    }

    #[test]
    fn date_amount_description_with_a_balance() {
        let r = rows(
            "12/01/2024,-12.50,COFFEE SHOP SYDNEY,+1000.00\n13/01/2024,+500.00,SALARY,+1500.00",
        );
        assert!(looks_like_data(&r[0], DOT));
        let l = guess(&r, DOT).unwrap();
        assert_eq!(l.column(Field::Date), Some(0));
        assert_eq!(l.column(Field::Amount), Some(1));
        assert_eq!(l.column(Field::Description), Some(2));
        assert!(l.guessed);
    }

    #[test]
    fn debit_and_credit_taking_turns() {
        let r = rows("2024-01-02,Rent,850.00,,1150.00\n2024-01-03,Client,,200.00,1350.00");
        let l = guess(&r, DOT).unwrap();
        assert_eq!(l.column(Field::Debit), Some(2));
        assert_eq!(l.column(Field::Credit), Some(3));
        assert_eq!(l.column(Field::Description), Some(1));
    }

    #[test]
    fn a_header_is_not_data() {
        let r = rows("Date,Description,Amount");
        assert!(!looks_like_data(&r[0], DOT));
        let ids = rows("2024-01-02,12345,Shop");
        assert!(
            !looks_like_data(&ids[0], DOT),
            "a whole number is no amount"
        );
        assert!(guess(&rows("x,y\nz,w"), DOT).is_err());
    }
}

//! Exchange-rate files, told apart by their header:
//!
//! - the ECB's reference-rate CSV (`eurofxref.csv`, `eurofxref-hist.csv`): `Date,USD,JPY,…`,
//!   one row per day, each rate the units of that currency per euro (`N/A` and empty cells
//!   are days without a rate, skipped);
//! - a simple `date,from,to,rate` CSV: one unit of `from` is `rate` units of `to`.
//!
//! Dates are ISO (`2026-03-31`); rates are plain decimals, read exactly. The first bad line
//! refuses the whole file, naming the line.

use crate::date::parse_iso_date;
use flowsense_core::Currency;
use flowsense_core::fx::{Rate, parse_rate};

/// The most rates one file may hold (the ECB's whole history is about 200,000).
pub const MAX_RATES: usize = 2_000_000;

/// Why a rates file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct RatesFileError {
    /// 1-based; 0 for the file as a whole.
    pub line: u64,
    pub reason: String,
}

fn refuse(line: u64, reason: impl Into<String>) -> RatesFileError {
    RatesFileError {
        line,
        reason: reason.into(),
    }
}

/// The layout a rates file's header names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RatesLayout {
    /// `Date,USD,JPY,…` per euro.
    Ecb,
    /// `date,from,to,rate`.
    Pairs,
}

/// Reads every rate of a rates file.
///
/// # Errors
/// A header that is neither layout, a bad date, currency or rate (naming its line), or more
/// than [`MAX_RATES`] rates.
pub fn parse_rates_file(text: &str) -> Result<(RatesLayout, Vec<Rate>), RatesFileError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Err(refuse(0, "the file is empty"));
    };
    let header = cells(header);
    let names: Vec<String> = header.iter().map(|h| h.to_ascii_lowercase()).collect();
    let layout = if names == ["date", "from", "to", "rate"] {
        RatesLayout::Pairs
    } else if names.first().is_some_and(|n| n == "date") && names.len() > 1 {
        RatesLayout::Ecb
    } else {
        return Err(refuse(
            1,
            "expected a header `date,from,to,rate` or the ECB's `Date,USD,JPY,…`",
        ));
    };
    let mut rates = Vec::new();
    match layout {
        RatesLayout::Pairs => {
            for (ix, line) in lines {
                let n = ix as u64 + 1;
                let c = cells(line);
                let [date, from, to, rate] = c.as_slice() else {
                    return Err(refuse(n, "expected four fields: date,from,to,rate"));
                };
                let rate = Rate {
                    date: date_of(date, n)?,
                    from: currency_of(from, n)?,
                    to: currency_of(to, n)?,
                    rate: parse_rate(rate).map_err(|e| refuse(n, e.to_string()))?,
                };
                if rate.from == rate.to {
                    return Err(refuse(n, "from and to are the same currency"));
                }
                push(&mut rates, rate, n)?;
            }
        }
        RatesLayout::Ecb => {
            // A trailing comma leaves an empty last header cell: no currency there.
            let currencies = header[1..]
                .iter()
                .map(|h| {
                    if h.is_empty() {
                        Ok(None)
                    } else {
                        currency_of(h, 1).map(Some)
                    }
                })
                .collect::<Result<Vec<_>, _>>()?;
            for (ix, line) in lines {
                let n = ix as u64 + 1;
                let c = cells(line);
                let Some((date, values)) = c.split_first() else {
                    continue;
                };
                let date = date_of(date, n)?;
                if values.len() > currencies.len() {
                    return Err(refuse(n, "more fields than the header names"));
                }
                for (value, currency) in values.iter().zip(&currencies) {
                    let Some(to) = *currency else { continue };
                    if value.is_empty() || value.eq_ignore_ascii_case("N/A") || to == Currency::EUR
                    {
                        continue;
                    }
                    let rate = parse_rate(value).map_err(|e| refuse(n, format!("{to}: {e}")))?;
                    let rate = Rate {
                        date,
                        from: Currency::EUR,
                        to,
                        rate,
                    };
                    push(&mut rates, rate, n)?;
                }
            }
        }
    }
    Ok((layout, rates))
}

fn push(rates: &mut Vec<Rate>, rate: Rate, line: u64) -> Result<(), RatesFileError> {
    if rates.len() >= MAX_RATES {
        return Err(refuse(line, format!("more than {MAX_RATES} rates")));
    }
    rates.push(rate);
    Ok(())
}

/// The comma-separated cells of a line, trimmed and unquoted (rate files quote nothing that
/// holds a comma).
fn cells(line: &str) -> Vec<&str> {
    line.split(',')
        .map(|c| c.trim().trim_matches('"').trim())
        .collect()
}

fn date_of(text: &str, line: u64) -> Result<chrono::NaiveDate, RatesFileError> {
    parse_iso_date(text).ok_or_else(|| refuse(line, "expected a date like 2026-03-31"))
}

fn currency_of(text: &str, line: u64) -> Result<Currency, RatesFileError> {
    let c = Currency::parse(text).map_err(|e| refuse(line, e.to_string()))?;
    if text.len() != 3 || !text.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(refuse(
            line,
            format!("expected a currency code like USD, not {text:?}"),
        ));
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ecb_layout_gives_rates_per_euro_and_skips_days_without_one() {
        let file = "Date,USD,JPY,CYP,\n2024-05-03,1.0746,164.56,N/A,\n2024-05-02,1.0702,,N/A,\n";
        let (layout, rates) = parse_rates_file(file).expect("parsed");
        assert_eq!(layout, RatesLayout::Ecb);
        assert_eq!(rates.len(), 3);
        assert_eq!(rates[0].from, Currency::EUR);
        assert_eq!(rates[0].to, Currency::USD);
        assert_eq!(rates[0].rate.to_string(), "1.0746");
        assert_eq!(rates[1].rate.to_string(), "164.56");
        assert_eq!(rates[2].date.to_string(), "2024-05-02");
    }

    #[test]
    fn the_pairs_layout_and_its_refusals_name_the_line() {
        let (layout, rates) =
            parse_rates_file("date,from,to,rate\n2026-01-02,GBP,USD,1.2712\n").expect("parsed");
        assert_eq!(layout, RatesLayout::Pairs);
        assert_eq!(rates[0].from, Currency::GBP);
        for (bad, line) in [
            ("date,from,to,rate\n2026-01-02,GBP,USD,-1\n", 2),
            (
                "date,from,to,rate\n2026-01-02,GBP,USD,1.2\n02/01/2026,GBP,USD,1.2\n",
                3,
            ),
            ("date,from,to,rate\n2026-01-02,GBP,GBP,1\n", 2),
            ("date,from,to,rate\n2026-01-02,usd,GBP,1\n", 2),
            ("when,a,b\n", 1),
            ("", 0),
        ] {
            assert_eq!(parse_rates_file(bad).expect_err(bad).line, line, "{bad:?}");
        }
    }
}

//! Dates as banks write them. `03/04/2024` is never guessed per row: the order of day and
//! month is given by the user or proven by the file (see [`crate::CsvImporter`]).

use chrono::NaiveDate;

/// A date layout the user can name with `--date-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateFormat {
    /// `YYYY-MM-DD` (also with `/` or `.`).
    Iso,
    /// `MM/DD/YYYY` (also with `-` or `.`).
    MonthFirst,
    /// `DD/MM/YYYY`, `DD.MM.YYYY`, `DD-MM-YYYY`.
    DayFirst,
    /// `YYYYMMDD`.
    Compact,
}

impl DateFormat {
    /// Parses a `--date-format` value: `YYYY-MM-DD`, `MM/DD/YYYY`, `DD/MM/YYYY`, `DD.MM.YYYY`,
    /// `YYYYMMDD` (any case), their strftime spellings (`%d/%m/%Y`), or `iso`, `mdy`, `dmy`.
    ///
    /// # Errors
    /// A message listing the accepted names.
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim().to_ascii_lowercase().replace('%', "");
        let squashed: String = t.chars().filter(char::is_ascii_alphanumeric).collect();
        let separated = t.contains(['-', '/', '.']);
        match squashed.as_str() {
            "iso" => Ok(DateFormat::Iso),
            "yyyymmdd" | "ymd" if separated => Ok(DateFormat::Iso),
            "yyyymmdd" | "ymd" => Ok(DateFormat::Compact),
            "mmddyyyy" | "mdy" | "mmddyy" => Ok(DateFormat::MonthFirst),
            "ddmmyyyy" | "dmy" | "ddmmyy" => Ok(DateFormat::DayFirst),
            _ => Err(format!(
                "unknown date format {:?} (use YYYY-MM-DD, MM/DD/YYYY, DD/MM/YYYY, DD.MM.YYYY or YYYYMMDD)",
                text.chars().take(20).collect::<String>()
            )),
        }
    }

    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            DateFormat::Iso => "YYYY-MM-DD",
            DateFormat::MonthFirst => "MM/DD/YYYY",
            DateFormat::DayFirst => "DD/MM/YYYY",
            DateFormat::Compact => "YYYYMMDD",
        }
    }
}

/// Which comes first in a year-last date such as `03/04/2024`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlashOrder {
    MonthFirst,
    DayFirst,
}

impl SlashOrder {
    /// The order usual for books kept in `base`: month first for US dollars, day first
    /// elsewhere (the UK, the euro area, Canada's and Australia's banks, Switzerland).
    #[must_use]
    pub fn usual_for(base: flowsense_core::money::Currency) -> Self {
        if base == flowsense_core::money::Currency::USD {
            SlashOrder::MonthFirst
        } else {
            SlashOrder::DayFirst
        }
    }

    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            SlashOrder::MonthFirst => "month-first",
            SlashOrder::DayFirst => "day-first",
        }
    }
}

/// What one date field says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateValue {
    /// A date, and the day/month order it proves for the file, if any.
    Date(NaiveDate, Option<SlashOrder>),
    /// Both orders give a valid, different date and the file has not decided yet.
    Ambiguous,
}

pub(crate) const ANY_FORMAT: &str = "YYYY-MM-DD, MM/DD/YYYY, DD/MM/YYYY, DD.MM.YYYY or YYYYMMDD";

/// Strict `YYYY-MM-DD`, as the canonical FlowSense CSV writes it.
#[must_use]
pub fn parse_iso_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, &d| {
            d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
        })
    };
    let year = i32::try_from(num(0..4)?).ok()?;
    NaiveDate::from_ymd_opt(year, num(5..7)?, num(8..10)?)
}

/// The parts of a date field: numbers and at most one month name.
struct Parts {
    nums: Vec<(u32, usize)>,
    month_name: Option<(u32, usize)>,
    sep: Option<char>,
}

fn split_parts(text: &str) -> Option<Parts> {
    // Drop a time of day: `2024-01-15 10:30`, `2024-01-15T10:30:00Z`.
    let t = text.trim();
    let t = match t.find(['T', ' ']) {
        Some(pos) if pos >= 8 && t[pos + 1..].contains(':') => &t[..pos],
        _ => t,
    };
    let mut parts = Parts {
        nums: Vec::new(),
        month_name: None,
        sep: None,
    };
    for (index, token) in t
        .split(['-', '/', '.', ' ', ','])
        .filter(|s| !s.is_empty())
        .enumerate()
    {
        if token.bytes().all(|b| b.is_ascii_digit()) && token.len() <= 8 {
            parts.nums.push((token.parse().ok()?, token.len()));
        } else if let Some(month) = month_from_name(token) {
            if parts.month_name.replace((month, index)).is_some() {
                return None;
            }
        } else {
            return None;
        }
    }
    parts.sep = t.chars().find(|c| matches!(c, '-' | '/' | '.'));
    Some(parts)
}

fn month_from_name(token: &str) -> Option<u32> {
    const NAMES: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let lower = token.to_ascii_lowercase();
    if lower.len() < 3 {
        return None;
    }
    let prefix = lower.get(..3)?;
    let pos = NAMES.iter().position(|n| *n == prefix)?;
    let month = u32::try_from(pos).ok()? + 1;
    (lower.len() == 3 || lower == "sept" || full_month_name(month).starts_with(&lower))
        .then_some(month)
}

fn full_month_name(month: u32) -> &'static str {
    [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ][(month as usize).saturating_sub(1) % 12]
}

fn year_of(value: u32, digits: usize) -> Option<i32> {
    let y = i32::try_from(value).ok()?;
    match digits {
        4 => Some(y),
        2 => Some(if y < 70 { 2000 + y } else { 1900 + y }),
        _ => None,
    }
}

fn ymd(y: Option<i32>, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y?, m, d)
}

/// Parses a date field with an explicit format (or the file's decided day/month order).
#[must_use]
pub fn parse_date_with(text: &str, format: DateFormat) -> Option<NaiveDate> {
    let p = split_parts(text)?;
    if p.month_name.is_some() {
        return parse_named_month(&p);
    }
    match (format, p.nums.as_slice()) {
        (DateFormat::Compact, [(v, 8)]) => {
            ymd(i32::try_from(v / 10_000).ok(), v / 100 % 100, v % 100)
        }
        (DateFormat::Iso, [(y, 4), (m, 1..=2), (d, 1..=2)]) => ymd(year_of(*y, 4), *m, *d),
        (DateFormat::MonthFirst, [(m, 1..=2), (d, 1..=2), (y, yl)]) => {
            ymd(year_of(*y, *yl), *m, *d)
        }
        (DateFormat::DayFirst, [(d, 1..=2), (m, 1..=2), (y, yl)]) => ymd(year_of(*y, *yl), *m, *d),
        _ => None,
    }
}

fn parse_named_month(p: &Parts) -> Option<NaiveDate> {
    let (month, index) = p.month_name?;
    match (index, p.nums.as_slice()) {
        // `15 Jan 2024`, `15-Jan-24`
        (1, [(d, 1..=2), (y, yl)]) => ymd(year_of(*y, *yl), month, *d),
        // `Jan 15, 2024`
        (0, [(d, 1..=2), (y, yl)]) => ymd(year_of(*y, *yl), month, *d),
        // `2024-Jan-15`
        (1, [(y, 4), (d, 1..=2)]) => ymd(year_of(*y, 4), month, *d),
        _ => None,
    }
}

/// Parses a date field with no explicit format. `order` is the file's day/month order once known.
///
/// # Errors
/// The format the value was expected in (for the message).
pub fn parse_date_auto(text: &str, order: Option<SlashOrder>) -> Result<DateValue, &'static str> {
    let Some(p) = split_parts(text) else {
        return Err(ANY_FORMAT);
    };
    if p.month_name.is_some() {
        return parse_named_month(&p)
            .map(|d| DateValue::Date(d, None))
            .ok_or(ANY_FORMAT);
    }
    let fixed = |format: DateFormat| {
        parse_date_with(text, format)
            .map(|d| DateValue::Date(d, None))
            .ok_or(format.label())
    };
    match p.nums.as_slice() {
        [(_, 8)] => fixed(DateFormat::Compact),
        [(_, 4), _, _] => fixed(DateFormat::Iso),
        [(_, 1..=2), (_, 1..=2), (_, 2 | 4)] if p.sep == Some('.') => fixed(DateFormat::DayFirst),
        [(a, 1..=2), (b, 1..=2), (_, 2 | 4)] => match order {
            Some(SlashOrder::MonthFirst) => fixed(DateFormat::MonthFirst),
            Some(SlashOrder::DayFirst) => fixed(DateFormat::DayFirst),
            None if *a > 12 => parse_date_with(text, DateFormat::DayFirst)
                .map(|d| DateValue::Date(d, Some(SlashOrder::DayFirst)))
                .ok_or("DD/MM/YYYY"),
            None if *b > 12 => parse_date_with(text, DateFormat::MonthFirst)
                .map(|d| DateValue::Date(d, Some(SlashOrder::MonthFirst)))
                .ok_or("MM/DD/YYYY"),
            None if a == b => fixed(DateFormat::MonthFirst),
            None => {
                if parse_date_with(text, DateFormat::MonthFirst).is_some() {
                    Ok(DateValue::Ambiguous)
                } else {
                    Err("MM/DD/YYYY or DD/MM/YYYY")
                }
            }
        },
        _ => Err(ANY_FORMAT),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn unambiguous_shapes() {
        let date = |t| match parse_date_auto(t, None) {
            Ok(DateValue::Date(d, _)) => Some(d),
            _ => None,
        };
        assert_eq!(date("2024-03-04"), Some(d(2024, 3, 4)));
        assert_eq!(date("2024/3/4"), Some(d(2024, 3, 4)));
        assert_eq!(date("20240304"), Some(d(2024, 3, 4)));
        assert_eq!(date("04.03.2024"), Some(d(2024, 3, 4)));
        assert_eq!(date("2024-03-04T10:00:00Z"), Some(d(2024, 3, 4)));
        assert_eq!(date("4 Mar 2024"), Some(d(2024, 3, 4)));
        assert_eq!(date("Mar 4, 2024"), Some(d(2024, 3, 4)));
        assert_eq!(date("25/12/2024"), Some(d(2024, 12, 25)));
        assert_eq!(date("12/25/24"), Some(d(2024, 12, 25)));
        assert_eq!(date("2024-13-45"), None);
    }

    #[test]
    fn slash_order_is_proven_or_ambiguous() {
        assert_eq!(
            parse_date_auto("25/12/2024", None),
            Ok(DateValue::Date(d(2024, 12, 25), Some(SlashOrder::DayFirst)))
        );
        assert_eq!(
            parse_date_auto("03/04/2024", None),
            Ok(DateValue::Ambiguous)
        );
        assert_eq!(
            parse_date_auto("03/04/2024", Some(SlashOrder::DayFirst)),
            Ok(DateValue::Date(d(2024, 4, 3), None))
        );
        assert_eq!(parse_date_auto("2024-13-45", None), Err("YYYY-MM-DD"));
        assert_eq!(parse_date_auto("13/13/2024", None), Err("DD/MM/YYYY"));
    }

    #[test]
    fn named_formats() {
        assert_eq!(DateFormat::parse("YYYY-MM-DD"), Ok(DateFormat::Iso));
        assert_eq!(DateFormat::parse("yyyymmdd"), Ok(DateFormat::Compact));
        assert_eq!(DateFormat::parse("%Y%m%d"), Ok(DateFormat::Compact));
        assert_eq!(DateFormat::parse("%Y-%m-%d"), Ok(DateFormat::Iso));
        assert_eq!(DateFormat::parse("%d/%m/%Y"), Ok(DateFormat::DayFirst));
        assert_eq!(DateFormat::parse("DD.MM.YYYY"), Ok(DateFormat::DayFirst));
        assert_eq!(DateFormat::parse("MM/DD/YYYY"), Ok(DateFormat::MonthFirst));
        assert!(DateFormat::parse("whenever").is_err());
        assert_eq!(parse_iso_date("2024-02-29"), Some(d(2024, 2, 29)));
        assert_eq!(parse_iso_date("2023-02-29"), None);
        assert_eq!(parse_iso_date("2024-2-29"), None);
    }
}

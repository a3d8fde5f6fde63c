//! Calendar helpers that never panic: periods, month arithmetic, clamped day offsets.

use chrono::{Datelike, Days, Months, NaiveDate};
use serde::Serialize;
use std::str::FromStr;

/// The bucket size of a time series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    Day,
    /// ISO weeks, starting on Monday.
    Week,
    #[default]
    Month,
}

impl Period {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
        }
    }

    /// A key that orders periods and maps back to the period's first day with [`Self::start_of_key`].
    /// Day: days from CE; Week: days from CE of its Monday; Month: `year * 12 + month0`.
    #[must_use]
    pub fn key(self, date: NaiveDate) -> i64 {
        match self {
            Period::Day => i64::from(date.num_days_from_ce()),
            Period::Week => {
                i64::from(date.num_days_from_ce())
                    - i64::from(date.weekday().num_days_from_monday())
            }
            Period::Month => i64::from(date.year()) * 12 + i64::from(date.month0()),
        }
    }

    /// Distance between the keys of two consecutive periods.
    #[must_use]
    pub fn key_step(self) -> i64 {
        match self {
            Period::Week => 7,
            Period::Day | Period::Month => 1,
        }
    }

    /// The first day of the period a key stands for (clamped to chrono's range).
    #[must_use]
    pub fn start_of_key(self, key: i64) -> NaiveDate {
        let date = match self {
            Period::Day | Period::Week => i32::try_from(key)
                .ok()
                .and_then(NaiveDate::from_num_days_from_ce_opt),
            Period::Month => i32::try_from(key.div_euclid(12))
                .ok()
                .and_then(|y| NaiveDate::from_ymd_opt(y, month_of(key), 1)),
        };
        date.unwrap_or(if key < 0 {
            NaiveDate::MIN
        } else {
            NaiveDate::MAX
        })
    }

    /// The last day of the period a key stands for.
    #[must_use]
    pub fn end_of_key(self, key: i64) -> NaiveDate {
        let next = self.start_of_key(key.saturating_add(self.key_step()));
        if next == NaiveDate::MAX && self.start_of_key(key) == NaiveDate::MAX {
            return NaiveDate::MAX;
        }
        add_days(next, -1)
    }
}

fn month_of(key: i64) -> u32 {
    u32::try_from(key.rem_euclid(12)).map_or(1, |m| m + 1)
}

impl FromStr for Period {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "day" | "daily" => Ok(Period::Day),
            "week" | "weekly" => Ok(Period::Week),
            "month" | "monthly" => Ok(Period::Month),
            other => Err(format!(
                "unknown period {other:?} (expected day, week or month)"
            )),
        }
    }
}

/// `date + days`, clamped to chrono's date range.
#[must_use]
pub fn add_days(date: NaiveDate, days: i64) -> NaiveDate {
    let moved = if days >= 0 {
        date.checked_add_days(Days::new(days.unsigned_abs()))
    } else {
        date.checked_sub_days(Days::new(days.unsigned_abs()))
    };
    moved.unwrap_or(if days < 0 {
        NaiveDate::MIN
    } else {
        NaiveDate::MAX
    })
}

/// `date + months` (day clamped to the month's end), clamped to chrono's range.
#[must_use]
pub fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

/// Whole days from `from` to `to` (negative when `to` is earlier).
#[must_use]
pub fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

/// Whole calendar months from the month of `from` to the month of `to` (negative when `to`
/// is earlier), whatever the days of the month.
#[must_use]
pub fn months_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (i64::from(to.year()) - i64::from(from.year())) * 12 + i64::from(to.month())
        - i64::from(from.month())
}

/// First day of the month holding `date`.
#[must_use]
pub fn month_start(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

/// The sensible default "today" of a report: the date of the last transaction, or of the
/// last document event when there are no transactions.
#[must_use]
pub fn default_as_of(books: &crate::Books) -> Option<NaiveDate> {
    let last_txn = books.txns.iter().map(|t| t.date).max();
    last_txn.or_else(|| {
        books
            .documents
            .iter()
            .map(|d| d.paid.unwrap_or(d.issued).max(d.issued))
            .max()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn weeks_start_on_monday() {
        // 2024-01-03 is a Wednesday; its ISO week starts Monday 2024-01-01.
        let key = Period::Week.key(d(2024, 1, 3));
        assert_eq!(Period::Week.start_of_key(key), d(2024, 1, 1));
        assert_eq!(Period::Week.end_of_key(key), d(2024, 1, 7));
    }

    #[test]
    fn months_round_trip() {
        let key = Period::Month.key(d(2024, 2, 17));
        assert_eq!(Period::Month.start_of_key(key), d(2024, 2, 1));
        assert_eq!(Period::Month.end_of_key(key), d(2024, 2, 29));
        assert_eq!(Period::Month.start_of_key(key + 11), d(2025, 1, 1));
    }

    #[test]
    fn extremes_do_not_panic() {
        assert_eq!(add_days(NaiveDate::MAX, 10), NaiveDate::MAX);
        assert_eq!(add_days(NaiveDate::MIN, -10), NaiveDate::MIN);
        let _ = Period::Month.end_of_key(Period::Month.key(NaiveDate::MAX));
        let _ = Period::Week.end_of_key(Period::Week.key(NaiveDate::MAX));
        assert_eq!(add_months(NaiveDate::MAX, 1), NaiveDate::MAX);
        assert_eq!(months_between(d(2024, 1, 31), d(2025, 3, 1)), 14);
        assert_eq!(months_between(d(2025, 3, 1), d(2024, 1, 31)), -14);
        assert!(months_between(NaiveDate::MIN, NaiveDate::MAX) > 6_000_000);
    }
}

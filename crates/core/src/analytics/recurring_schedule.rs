//! The calendars a recurring payment can follow, and how well a run of payment dates fits one.
//!
//! Payroll on the 1st and 15th, rent on the last day, a four-weekly contractor, a loan on the
//! last Friday: each is a [`Schedule`] that names its dates. A series is matched against the
//! schedules its typical interval allows, each date within a few days of its scheduled one
//! (weekends and holidays move payments), and the best fit wins when most payments sit on
//! the schedule and most scheduled dates were paid.

use super::dates::{add_days, add_months, days_between};
use chrono::{Datelike, NaiveDate, Weekday};

/// "The last day of the month" where a day of the month is expected.
pub const LAST_DAY: u32 = 31;
/// Share of payments that must sit on the schedule, and of scheduled dates that must be paid.
const MIN_FIT: f64 = 0.75;
/// Most scheduled dates generated for one fit (bounds the work per counterparty).
const MAX_SCHEDULED: usize = 4_000;

/// How well a run of dates fits a schedule ([`Schedule::fit`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    /// The smaller of the share of payments on the schedule and of scheduled dates paid.
    pub share: f64,
    /// Average days a matched payment sits off its scheduled date.
    pub mean_offset: f64,
}

impl Fit {
    /// Whether this fit beats `other`: more of the payments on the calendar, then closer to it.
    #[must_use]
    pub fn beats(self, other: Fit) -> bool {
        self.share > other.share + 1e-9
            || ((self.share - other.share).abs() <= 1e-9
                && self.mean_offset + 1e-9 < other.mean_offset)
    }
}

/// The week of the month a payment falls in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeekOfMonth {
    /// First (0) to fourth (3).
    Nth(u32),
    Last,
}

/// A calendar of payment dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule {
    /// Every `days` days from `anchor` (weekly, biweekly, four-weekly).
    EveryDays { anchor: NaiveDate, days: i64 },
    /// Each month on these days ([`LAST_DAY`] or a day past the month's end: its last day);
    /// one day for monthly, two for semi-monthly.
    DaysOfMonth { first: u32, second: Option<u32> },
    /// Each month on one weekday of one week ("the last Friday").
    WeekdayOfMonth { weekday: Weekday, week: WeekOfMonth },
    /// Every `months` months from `anchor`'s month, on `day` (quarterly, yearly).
    EveryMonths {
        anchor: NaiveDate,
        months: u32,
        day: u32,
    },
}

impl Schedule {
    /// Days a payment may sit from its scheduled date and still be that payment.
    #[must_use]
    pub fn tolerance(self) -> i64 {
        match self {
            Schedule::EveryDays { days, .. } if days <= 7 => 1,
            Schedule::EveryDays { .. } => 2,
            Schedule::DaysOfMonth { .. } => 3,
            Schedule::WeekdayOfMonth { .. } => 1,
            Schedule::EveryMonths { months, .. } if months < 12 => 7,
            Schedule::EveryMonths { .. } => 10,
        }
    }

    /// The first scheduled date strictly after `date`.
    #[must_use]
    pub fn next_after(self, date: NaiveDate) -> NaiveDate {
        match self {
            Schedule::EveryDays { anchor, days } => {
                let days = days.max(1);
                let since = days_between(anchor, date);
                let n = since.div_euclid(days) + 1;
                add_days(anchor, n.saturating_mul(days))
            }
            Schedule::DaysOfMonth { first, second } => {
                let mut month = month_of(date);
                for _ in 0..3 {
                    let mut days = [Some(first), second]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>();
                    days.sort_unstable();
                    for d in days {
                        let on = day_in_month(month, d);
                        if on > date {
                            return on;
                        }
                    }
                    month = add_months(month, 1);
                }
                NaiveDate::MAX
            }
            Schedule::WeekdayOfMonth { weekday, week } => {
                let mut month = month_of(date);
                for _ in 0..3 {
                    if let Some(on) = weekday_in_month(month, weekday, week)
                        && on > date
                    {
                        return on;
                    }
                    month = add_months(month, 1);
                }
                NaiveDate::MAX
            }
            Schedule::EveryMonths {
                anchor,
                months,
                day,
            } => {
                let months = months.max(1);
                let anchor_month = month_of(anchor);
                // Every scheduled month before the one at or before `date`'s month falls before
                // `date`: start there, not at the anchor, so a call takes at most two steps
                // however far `date` is from the anchor (the walk from the anchor made a fit over
                // extreme dates quadratic: seconds per counterparty). Same answers, the cap at
                // 100,000 steps included.
                let since = month_number(date) - month_number(anchor_month);
                let mut n = u32::try_from(since.div_euclid(i64::from(months)))
                    .unwrap_or(if since < 0 { 0 } else { u32::MAX })
                    .min(100_001);
                loop {
                    let month = add_months(anchor_month, n.saturating_mul(months));
                    let on = day_in_month(month, day);
                    if on > date || month == NaiveDate::MAX || n > 100_000 {
                        return on;
                    }
                    n += 1;
                }
            }
        }
    }

    /// How well `dates` (sorted, distinct) fit: the smaller of the share of payments on the
    /// schedule and the share of scheduled dates paid, and the average days a matched payment
    /// sits off its date; `None` when either share is under the bar.
    #[must_use]
    pub fn fit(self, dates: &[NaiveDate]) -> Option<Fit> {
        let (first, last) = (*dates.first()?, *dates.last()?);
        let tol = self.tolerance();
        let mut scheduled = Vec::new();
        let mut at = self.next_after(add_days(first, -tol - 1));
        while at <= add_days(last, tol) && scheduled.len() < MAX_SCHEDULED {
            scheduled.push(at);
            at = self.next_after(at);
        }
        if scheduled.is_empty() {
            return None;
        }
        // Greedy in date order: each scheduled date takes the first unused payment near it.
        let (mut matched, mut next, mut off) = (0usize, 0usize, 0i64);
        for s in &scheduled {
            while next < dates.len() && days_between(dates[next], *s) > tol {
                next += 1;
            }
            if next < dates.len() && days_between(*s, dates[next]).abs() <= tol {
                matched += 1;
                off += days_between(*s, dates[next]).abs();
                next += 1;
            }
        }
        #[expect(
            clippy::cast_precision_loss,
            reason = "a statistical estimate over small counts, not an amount"
        )]
        let fit = Fit {
            share: (matched as f64 / dates.len() as f64)
                .min(matched as f64 / scheduled.len() as f64),
            mean_offset: off as f64 / matched.max(1) as f64,
        };
        (fit.share >= MIN_FIT).then_some(fit)
    }

    /// Plain words for the schedule ("on the 1st and 15th", "on the last Friday").
    #[must_use]
    pub fn describe(self) -> String {
        match self {
            Schedule::EveryDays { anchor, days } => match days {
                7 => format!("every {}", weekday_name(anchor.weekday())),
                14 => format!("every other {}", weekday_name(anchor.weekday())),
                d => format!(
                    "every {} weeks on {}",
                    d / 7,
                    weekday_name(anchor.weekday())
                ),
            },
            Schedule::DaysOfMonth { first, second } => match second {
                Some(second) => {
                    format!("on the {} and {}", ordinal_day(first), ordinal_day(second))
                }
                None => format!("on the {}", ordinal_day(first)),
            },
            Schedule::WeekdayOfMonth { weekday, week } => {
                let which = match week {
                    WeekOfMonth::Nth(0) => "first",
                    WeekOfMonth::Nth(1) => "second",
                    WeekOfMonth::Nth(2) => "third",
                    WeekOfMonth::Nth(_) => "fourth",
                    WeekOfMonth::Last => "last",
                };
                format!("on the {which} {} of the month", weekday_name(weekday))
            }
            Schedule::EveryMonths {
                anchor,
                months,
                day,
            } => {
                let month = anchor.format("%B");
                if months >= 12 {
                    format!("each {month}, on the {}", ordinal_day(day))
                } else {
                    format!(
                        "every {months} months from {month}, on the {}",
                        ordinal_day(day)
                    )
                }
            }
        }
    }
}

fn month_of(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

/// Months since the start of year 0: consecutive months, consecutive numbers.
fn month_number(date: NaiveDate) -> i64 {
    i64::from(date.year()) * 12 + i64::from(date.month0())
}

fn days_in_month(month: NaiveDate) -> u32 {
    let next = add_months(month_of(month), 1);
    u32::try_from(days_between(month_of(month), next)).unwrap_or(31)
}

/// Day `day` of `month`'s month, clamped to its last day.
fn day_in_month(month: NaiveDate, day: u32) -> NaiveDate {
    let day = day.clamp(1, days_in_month(month));
    month_of(month).with_day(day).unwrap_or(month)
}

fn weekday_in_month(month: NaiveDate, weekday: Weekday, week: WeekOfMonth) -> Option<NaiveDate> {
    let start = month_of(month);
    let first_weekday =
        (7 + weekday.num_days_from_monday() - start.weekday().num_days_from_monday()) % 7;
    match week {
        WeekOfMonth::Nth(n) => Some(add_days(start, i64::from(first_weekday + 7 * n.min(3)))),
        WeekOfMonth::Last => {
            let mut on = add_days(start, i64::from(first_weekday + 28));
            if on.month() != start.month() {
                on = add_days(on, -7);
            }
            Some(on)
        }
    }
}

/// The day of the month as a schedule names it: a month's last day is [`LAST_DAY`].
#[must_use]
pub fn schedule_day(date: NaiveDate) -> u32 {
    if date.day() == days_in_month(date) {
        LAST_DAY
    } else {
        date.day()
    }
}

/// The week-of-month readings of a date: its ordinal week, and also "last" in a month's last
/// seven days.
#[must_use]
pub fn weeks_of(date: NaiveDate) -> Vec<WeekOfMonth> {
    let mut weeks = vec![WeekOfMonth::Nth(((date.day() - 1) / 7).min(3))];
    if date.day() + 7 > days_in_month(date) {
        weeks.push(WeekOfMonth::Last);
    }
    weeks
}

fn weekday_name(weekday: Weekday) -> &'static str {
    match weekday {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

fn ordinal_day(day: u32) -> String {
    if day >= LAST_DAY {
        return "last day".to_owned();
    }
    let suffix = match (day % 10, day % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{day}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    #[test]
    fn semi_monthly_steps_through_month_ends() {
        let s = Schedule::DaysOfMonth {
            first: 15,
            second: Some(LAST_DAY),
        };
        assert_eq!(s.next_after(d(2025, 2, 1)), d(2025, 2, 15));
        assert_eq!(s.next_after(d(2025, 2, 15)), d(2025, 2, 28));
        assert_eq!(s.next_after(d(2025, 2, 28)), d(2025, 3, 15));
        assert_eq!(s.describe(), "on the 15th and last day");
    }

    /// The walk from the anchor that `next_after` replaced, kept as the reference.
    fn walked_from_anchor(anchor: NaiveDate, months: u32, day: u32, date: NaiveDate) -> NaiveDate {
        let months = months.max(1);
        let anchor_month = month_of(anchor);
        let mut n = 0u32;
        loop {
            let month = add_months(anchor_month, n.saturating_mul(months));
            let on = day_in_month(month, day);
            if on > date || month == NaiveDate::MAX || n > 100_000 {
                return on;
            }
            n += 1;
        }
    }

    #[test]
    fn every_few_months_starts_near_the_date_with_the_walks_answers() {
        let anchors = [
            d(2019, 1, 31),
            d(2024, 2, 29),
            d(2025, 6, 15),
            d(2031, 12, 1),
        ];
        for anchor in anchors {
            for months in [0, 1, 2, 3, 6, 12, 13] {
                for day in [1, 15, 28, 30, LAST_DAY] {
                    let s = Schedule::EveryMonths {
                        anchor,
                        months,
                        day,
                    };
                    let mut date = d(2017, 11, 3);
                    while date < d(2034, 1, 1) {
                        assert_eq!(
                            s.next_after(date),
                            walked_from_anchor(anchor, months, day, date),
                            "{anchor} every {months} months on day {day}, after {date}"
                        );
                        date = add_days(date, 9);
                    }
                }
            }
        }
        // Past the walk's cap of 100,000 steps, the same capped answer.
        let far = Schedule::EveryMonths {
            anchor: d(-200_000, 1, 1),
            months: 1,
            day: 5,
        };
        assert_eq!(
            far.next_after(d(2025, 3, 9)),
            walked_from_anchor(d(-200_000, 1, 1), 1, 5, d(2025, 3, 9))
        );
    }

    #[test]
    fn last_friday_of_the_month() {
        let s = Schedule::WeekdayOfMonth {
            weekday: Weekday::Fri,
            week: WeekOfMonth::Last,
        };
        assert_eq!(s.next_after(d(2025, 1, 1)), d(2025, 1, 31));
        assert_eq!(s.next_after(d(2025, 1, 31)), d(2025, 2, 28));
        assert_eq!(s.next_after(d(2025, 2, 28)), d(2025, 3, 28));
    }

    #[test]
    fn every_days_keeps_its_phase() {
        let s = Schedule::EveryDays {
            anchor: d(2025, 1, 3),
            days: 28,
        };
        assert_eq!(s.next_after(d(2025, 1, 3)), d(2025, 1, 31));
        assert_eq!(s.next_after(d(2024, 12, 1)), d(2024, 12, 6));
    }

    #[test]
    fn ordinals_read_as_words() {
        let days: Vec<String> = [1, 2, 3, 11, 12, 21, 22, 23, 31].map(ordinal_day).to_vec();
        assert_eq!(
            days,
            [
                "1st", "2nd", "3rd", "11th", "12th", "21st", "22nd", "23rd", "last day"
            ]
        );
    }
}

//! What an owner knows is coming and the books cannot show yet: a tax bill, a hire, a loan, a
//! big order. A planned flow is an amount on a day, once or repeating up to an end, with how
//! sure the owner is of it; the forecast counts that share of each amount in its week.

use chrono::{Datelike, Days, Months, NaiveDate};
use serde::Serialize;

/// How often a planned amount comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Repeat {
    /// Once, on its date.
    None,
    Weekly,
    Monthly,
    Quarterly,
    Yearly,
}

impl Repeat {
    /// Every choice, in the order a form lists them.
    pub const ALL: [Repeat; 5] = [
        Repeat::None,
        Repeat::Weekly,
        Repeat::Monthly,
        Repeat::Quarterly,
        Repeat::Yearly,
    ];

    /// The stored and form name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Repeat::None => "none",
            Repeat::Weekly => "weekly",
            Repeat::Monthly => "monthly",
            Repeat::Quarterly => "quarterly",
            Repeat::Yearly => "yearly",
        }
    }

    /// The choice named `s` ([`Repeat::as_str`]), `None` for anything else.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// In words for a list: "once", "every week", …
    #[must_use]
    pub fn words(self) -> &'static str {
        match self {
            Repeat::None => "once",
            Repeat::Weekly => "every week",
            Repeat::Monthly => "every month",
            Repeat::Quarterly => "every quarter",
            Repeat::Yearly => "every year",
        }
    }

    /// The `n`-th date from `first` (`n = 0` is `first`); months are counted from `first`, so
    /// the 31st stays the 31st where a month has one. `None` past the calendar's end.
    fn nth(self, first: NaiveDate, n: u32) -> Option<NaiveDate> {
        match self {
            Repeat::None => (n == 0).then_some(first),
            Repeat::Weekly => first.checked_add_days(Days::new(7 * u64::from(n))),
            Repeat::Monthly => first.checked_add_months(Months::new(n)),
            Repeat::Quarterly => first.checked_add_months(Months::new(n.checked_mul(3)?)),
            Repeat::Yearly => first.checked_add_months(Months::new(n.checked_mul(12)?)),
        }
    }

    /// How many steps from `first` come strictly before `date` at most (a lower bound to skip
    /// to, so a series that began years ago costs nothing).
    fn steps_before(self, first: NaiveDate, date: NaiveDate) -> u32 {
        if date <= first {
            return 0;
        }
        let months = (i64::from(date.year()) - i64::from(first.year())) * 12
            + i64::from(date.month())
            - i64::from(first.month());
        let steps = match self {
            Repeat::None => 0,
            Repeat::Weekly => (date - first).num_days() / 7,
            Repeat::Monthly => months - 1,
            Repeat::Quarterly => months / 3 - 1,
            Repeat::Yearly => months / 12 - 1,
        };
        u32::try_from(steps.max(0)).unwrap_or(u32::MAX)
    }
}

/// One planned amount: positive money in, negative money out, in the books' minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PlannedFlow {
    pub first: NaiveDate,
    pub amount: i64,
    pub repeat: Repeat,
    /// The last day a repetition may fall on (`None`: no end).
    pub until: Option<NaiveDate>,
    /// 1 to 100: how sure the owner is; the forecast counts this share of the amount.
    pub confidence_percent: u8,
}

impl PlannedFlow {
    /// The amount the forecast counts: `amount × confidence / 100`, rounded half away from
    /// zero to the minor unit (exact integer arithmetic).
    #[must_use]
    pub fn expected_amount(&self) -> i64 {
        let scaled = i128::from(self.amount) * i128::from(self.confidence_percent.min(100));
        let rounded = if scaled >= 0 {
            (scaled + 50) / 100
        } else {
            (scaled - 50) / 100
        };
        i64::try_from(rounded).unwrap_or(if scaled >= 0 { i64::MAX } else { i64::MIN })
    }

    /// The dates it falls on in `(after, through]`, in order: at most one a day, so a 13-week
    /// window holds at most 13 of them for a weekly item.
    #[must_use]
    pub fn dates_in(&self, after: NaiveDate, through: NaiveDate) -> Vec<NaiveDate> {
        let last = self.until.map_or(through, |u| u.min(through));
        let mut dates = Vec::new();
        let mut n = self.repeat.steps_before(self.first, after);
        while let Some(date) = self.repeat.nth(self.first, n) {
            if date > last {
                break;
            }
            if date > after {
                dates.push(date);
            }
            n += 1;
            if self.repeat == Repeat::None {
                break;
            }
        }
        dates
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid")
    }

    fn flow(first: NaiveDate, repeat: Repeat, until: Option<NaiveDate>) -> PlannedFlow {
        PlannedFlow {
            first,
            amount: -10_000,
            repeat,
            until,
            confidence_percent: 100,
        }
    }

    #[test]
    fn repeats_fall_on_their_days_inside_the_window_and_stop_at_their_end() {
        let after = day(2026, 12, 4);
        let through = day(2027, 3, 5);
        let once = flow(day(2026, 12, 20), Repeat::None, None);
        assert_eq!(once.dates_in(after, through), [day(2026, 12, 20)]);
        let past = flow(day(2026, 12, 4), Repeat::None, None);
        assert!(
            past.dates_in(after, through).is_empty(),
            "on `after` is the past"
        );
        let monthly = flow(day(2025, 1, 31), Repeat::Monthly, None);
        assert_eq!(
            monthly.dates_in(after, through),
            [day(2026, 12, 31), day(2027, 1, 31), day(2027, 2, 28)]
        );
        let quarterly = flow(day(2026, 1, 15), Repeat::Quarterly, Some(day(2027, 1, 15)));
        assert_eq!(quarterly.dates_in(after, through), [day(2027, 1, 15)]);
        let yearly = flow(day(2020, 2, 29), Repeat::Yearly, None);
        assert_eq!(yearly.dates_in(after, through), [day(2027, 2, 28)]);
        let weekly = flow(day(2026, 11, 30), Repeat::Weekly, Some(day(2026, 12, 21)));
        assert_eq!(
            weekly.dates_in(after, through),
            [day(2026, 12, 7), day(2026, 12, 14), day(2026, 12, 21)]
        );
        let weekly_long = flow(day(1990, 1, 1), Repeat::Weekly, None);
        assert_eq!(weekly_long.dates_in(after, through).len(), 13);
        let later = flow(day(2027, 6, 1), Repeat::Monthly, None);
        assert!(later.dates_in(after, through).is_empty());
    }

    #[test]
    fn the_expected_amount_is_the_confident_share_rounded_exactly() {
        let mut f = flow(day(2026, 12, 20), Repeat::None, None);
        f.amount = -10_001;
        f.confidence_percent = 50;
        assert_eq!(f.expected_amount(), -5_001);
        f.amount = 10_001;
        assert_eq!(f.expected_amount(), 5_001);
        f.confidence_percent = 100;
        f.amount = i64::MAX;
        assert_eq!(f.expected_amount(), i64::MAX);
        f.amount = i64::MIN;
        assert_eq!(f.expected_amount(), i64::MIN);
        f.confidence_percent = 1;
        f.amount = 49;
        assert_eq!(f.expected_amount(), 0);
    }

    #[test]
    fn repeat_names_round_trip() {
        for r in Repeat::ALL {
            assert_eq!(Repeat::parse(r.as_str()), Some(r));
        }
        assert_eq!(Repeat::parse("daily"), None);
    }
}

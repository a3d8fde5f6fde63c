//! What-if scenarios for the 13-week forecast: a one-off amount on a day, a monthly change in
//! costs or revenue from a day, customers paying their invoices later, a recurring payment that
//! stops. [`super::forecast::forecast_with`] applies them inside the engine, so the bands, the
//! weekly flows and the ending cash all move together.

use super::dates::{add_months, days_between};
use crate::planned::PlannedFlow;
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

/// Which side of the flows a monthly change moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FlowSide {
    /// Money in (revenue): a negative change is revenue falling.
    Inflow,
    /// Money out (costs): a negative change is costs rising.
    Outflow,
}

/// One amount on one day (positive: money in; negative: money out).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OneOff {
    pub date: NaiveDate,
    pub amount: i64,
}

/// A change of `amount` every month, on the day of the month of `from`, starting on `from`.
/// `amount` is the change to cash: costs rising by 2,000 is `Outflow` with `-2_000_00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MonthlyChange {
    pub from: NaiveDate,
    pub amount: i64,
    pub side: FlowSide,
}

/// Changes to apply to the forecast. The default changes nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Scenario {
    pub one_offs: Vec<OneOff>,
    pub monthly_changes: Vec<MonthlyChange>,
    /// Customers pay open and future invoices this many days later than their habit.
    pub customer_delay_days: u32,
    /// Recurring payments (by counterparty name) that stop: their expected payments are dropped.
    pub drop_recurring: Vec<String>,
}

impl Scenario {
    /// True when the scenario changes nothing.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.one_offs.is_empty()
            && self.monthly_changes.is_empty()
            && self.customer_delay_days == 0
            && self.drop_recurring.is_empty()
    }

    /// This scenario with the expected share of each planned amount falling in the `weeks`
    /// weeks after `as_of` added as one-off amounts.
    #[must_use]
    pub(crate) fn with_planned(
        &self,
        planned: &[PlannedFlow],
        as_of: NaiveDate,
        weeks: usize,
    ) -> Scenario {
        let mut out = self.clone();
        let through = super::dates::add_days(as_of, 7 * i64::try_from(weeks).unwrap_or(0));
        for p in planned {
            let amount = p.expected_amount();
            if amount == 0 {
                continue;
            }
            for date in p.dates_in(as_of, through) {
                out.one_offs.push(OneOff { date, amount });
            }
        }
        out
    }

    /// Whether the recurring payments to `counterparty` are dropped.
    #[must_use]
    pub fn drops(&self, counterparty: &str) -> bool {
        self.drop_recurring.iter().any(|c| c == counterparty)
    }

    /// Exact extra money in and out per forecast week (`weeks` weeks after `as_of`, the first
    /// being `as_of + 1 ..= as_of + 7`). Amounts dated outside the horizon are left out.
    #[must_use]
    pub(crate) fn weekly_flows(&self, as_of: NaiveDate, weeks: usize) -> Vec<(i128, i128)> {
        let mut flows = vec![(0i128, 0i128); weeks];
        let mut add = |date: NaiveDate, amount: i64, side: FlowSide| {
            let Some(week) = week_index(as_of, date, weeks) else {
                return;
            };
            let cell = &mut flows[week];
            match side {
                FlowSide::Inflow => cell.0 += i128::from(amount),
                FlowSide::Outflow => cell.1 += i128::from(amount),
            }
        };
        for o in &self.one_offs {
            let side = if o.amount >= 0 {
                FlowSide::Inflow
            } else {
                FlowSide::Outflow
            };
            add(o.date, o.amount, side);
        }
        let horizon_end = super::dates::add_days(as_of, 7 * i64::try_from(weeks).unwrap_or(0));
        for m in &self.monthly_changes {
            for date in monthly_dates(m.from, as_of, horizon_end) {
                add(date, m.amount, m.side);
            }
        }
        flows
    }
}

/// The forecast week holding `date`, `None` on or before `as_of` or past the horizon.
fn week_index(as_of: NaiveDate, date: NaiveDate, weeks: usize) -> Option<usize> {
    let offset = days_between(as_of, date);
    if offset < 1 {
        return None;
    }
    let week = usize::try_from((offset - 1) / 7).ok()?;
    (week < weeks).then_some(week)
}

/// `from`, `from + 1 month`, … that fall in `(after, until]` (clamped to the month's last day,
/// each counted from `from` so the 31st stays the 31st where a month has one).
fn monthly_dates(from: NaiveDate, after: NaiveDate, until: NaiveDate) -> Vec<NaiveDate> {
    let months_before = |a: NaiveDate, b: NaiveDate| {
        (i64::from(b.year()) - i64::from(a.year())) * 12 + i64::from(b.month())
            - i64::from(a.month())
    };
    // Skip straight to the month before `after`: `from` may lie years back.
    let start = u32::try_from(months_before(from, after).saturating_sub(1).max(0)).unwrap_or(0);
    let mut dates = Vec::new();
    for n in start..start.saturating_add(1200) {
        let date = add_months(from, n);
        if date > until || date == NaiveDate::MAX {
            break;
        }
        if date > after {
            dates.push(date);
        }
    }
    dates
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn monthly_dates_keep_the_day_of_the_month_and_stay_in_the_window() {
        assert_eq!(
            monthly_dates(d(2020, 1, 31), d(2026, 1, 15), d(2026, 4, 15)),
            vec![d(2026, 1, 31), d(2026, 2, 28), d(2026, 3, 31)]
        );
        assert!(monthly_dates(d(2027, 1, 1), d(2026, 1, 1), d(2026, 4, 1)).is_empty());
        assert_eq!(
            monthly_dates(d(2026, 2, 1), d(2026, 2, 1), d(2026, 3, 1)),
            vec![d(2026, 3, 1)]
        );
        assert!(monthly_dates(NaiveDate::MIN, NaiveDate::MAX, NaiveDate::MAX).is_empty());
    }

    #[test]
    fn weekly_flows_put_each_amount_in_its_week() {
        let as_of = d(2026, 1, 1);
        let s = Scenario {
            one_offs: vec![
                OneOff {
                    date: d(2026, 1, 2),
                    amount: 500,
                },
                OneOff {
                    date: d(2026, 1, 8),
                    amount: -300,
                },
                OneOff {
                    date: as_of,
                    amount: 1,
                },
                OneOff {
                    date: d(2026, 4, 3),
                    amount: 7,
                },
            ],
            monthly_changes: vec![MonthlyChange {
                from: d(2026, 1, 9),
                amount: -1000,
                side: FlowSide::Outflow,
            }],
            ..Scenario::default()
        };
        let flows = s.weekly_flows(as_of, 13);
        assert_eq!(flows[0], (500, -300));
        assert_eq!(flows[1], (0, -1000));
        let months: i128 = flows.iter().map(|f| f.1).sum();
        assert_eq!(months, -300 - 3000, "Jan 9, Feb 9, Mar 9 inside 13 weeks");
        assert!(!s.is_empty() && Scenario::default().is_empty());
    }
}

//! Recurring outflows: cadence from interval regularity, next date, typical amount and
//! price changes (a subscription that went up 12% is reported with old and new amounts).
//! Only operating flows count: a loan repayment is financing, not a recurring cost.

use super::cashflow::display_name;
use super::dates::{add_days, days_between};
use super::recurring_schedule::{Fit, LAST_DAY, Schedule, schedule_day, weeks_of};
use super::stats::{as_f64, basis_points, mad_i64, median_i64, saturate};
use crate::money::Currency;
use crate::{Books, Txn};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

/// Largest robust spread of amounts (MAD / median) for a stream to count as recurring.
const MAX_AMOUNT_SPREAD: f64 = 0.35;
/// A series of only two payments (a yearly one) says little through its one interval: the two
/// amounts must then agree to within this share of their median.
const MAX_PAIR_SPREAD: f64 = 0.02;
/// Smallest move of the latest amount against its previous level reported as a price change.
const MIN_PRICE_CHANGE_BP: i64 = 300;

/// How often a payment repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Cadence {
    Weekly,
    Biweekly,
    /// Twice a month on set days (the 1st and 15th, the 15th and the last day).
    SemiMonthly,
    /// Every four weeks (13 times a year).
    FourWeekly,
    /// Once a month, on a day of the month or a weekday of one week ("the last Friday").
    Monthly,
    Quarterly,
    Yearly,
}

impl Cadence {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Cadence::Weekly => "weekly",
            Cadence::Biweekly => "biweekly",
            Cadence::SemiMonthly => "semimonthly",
            Cadence::FourWeekly => "fourweekly",
            Cadence::Monthly => "monthly",
            Cadence::Quarterly => "quarterly",
            Cadence::Yearly => "yearly",
        }
    }

    /// Plain words for an owner ("twice a month").
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Cadence::Weekly => "weekly",
            Cadence::Biweekly => "every two weeks",
            Cadence::SemiMonthly => "twice a month",
            Cadence::FourWeekly => "every four weeks",
            Cadence::Monthly => "monthly",
            Cadence::Quarterly => "quarterly",
            Cadence::Yearly => "yearly",
        }
    }

    /// Average days between payments.
    fn nominal_days(self) -> f64 {
        match self {
            Cadence::Weekly => 7.0,
            Cadence::Biweekly => 14.0,
            Cadence::SemiMonthly => DAYS_PER_MONTH / 2.0,
            Cadence::FourWeekly => 28.0,
            Cadence::Monthly => DAYS_PER_MONTH,
            Cadence::Quarterly => DAYS_PER_MONTH * 3.0,
            Cadence::Yearly => DAYS_PER_MONTH * 12.0,
        }
    }

    fn min_occurrences(self) -> usize {
        if self == Cadence::Yearly { 2 } else { 3 }
    }
}

/// Average days in a month (the Gregorian year over twelve).
const DAYS_PER_MONTH: f64 = 30.436_875;

/// The latest amount against the previous stable level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriceChange {
    /// Previous level (negative: money out).
    pub old_amount: i64,
    pub new_amount: i64,
    /// Change of the payment's size in basis points (1200 = 12% more expensive).
    pub change_bp: i64,
    /// First payment at the new level.
    pub since: NaiveDate,
}

/// One detected recurring outflow.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecurringItem {
    pub counterparty: String,
    #[serde(skip)]
    pub counterparty_id: u32,
    pub category: String,
    pub cadence: Cadence,
    /// The calendar in plain words ("on the 1st and 15th", "on the last Friday of the month").
    pub schedule_text: String,
    /// The calendar the payments follow.
    #[serde(skip)]
    pub schedule: Schedule,
    pub occurrences: usize,
    pub first_date: NaiveDate,
    pub last_date: NaiveDate,
    pub next_expected: NaiveDate,
    /// Current typical payment (negative: money out).
    pub typical_amount: i64,
    /// False when the payments have stopped (more than two intervals overdue).
    pub active: bool,
    pub price_change: Option<PriceChange>,
    /// Ids of the latest few payments.
    pub recent_txn_ids: Vec<i64>,
}

impl RecurringItem {
    /// Expected payment dates in `(after, until]`, none when inactive.
    #[must_use]
    pub fn dates_between(&self, after: NaiveDate, until: NaiveDate) -> Vec<NaiveDate> {
        let mut dates = Vec::new();
        if !self.active {
            return dates;
        }
        let mut date = self.next_expected;
        for _ in 0..600 {
            if date > until || date == NaiveDate::MAX {
                break;
            }
            if date > after {
                dates.push(date);
            }
            date = self.schedule.next_after(date);
        }
        dates
    }
}

/// The recurring-payments report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecurringReport {
    pub currency: Currency,
    pub as_of: Option<NaiveDate>,
    pub items: Vec<RecurringItem>,
    /// Monthly equivalent of all active items (negative: money out).
    pub monthly_commitment: i64,
}

/// Detects recurring outflows in the transactions on or before `as_of`.
#[must_use]
pub fn recurring(books: &Books, as_of: NaiveDate) -> RecurringReport {
    let items = detect_recurring(books, as_of);
    let monthly: f64 = items
        .iter()
        .filter(|i| i.active)
        .map(|i| as_f64(i.typical_amount) * DAYS_PER_MONTH / i.cadence.nominal_days())
        .sum();
    RecurringReport {
        currency: books.currency,
        as_of: Some(as_of),
        items,
        monthly_commitment: super::stats::round_minor(monthly),
    }
}

/// The detection behind [`recurring`], sorted by counterparty name.
#[must_use]
pub fn detect_recurring(books: &Books, as_of: NaiveDate) -> Vec<RecurringItem> {
    let slots = books.counterparties.len() + 1;
    let mut by_counterparty: Vec<Vec<&Txn>> = vec![Vec::new(); slots];
    for t in &books.txns {
        if t.is_operating() && t.amount < 0 && t.date <= as_of {
            by_counterparty[(t.counterparty as usize).min(slots - 1)].push(t);
        }
    }
    let mut items: Vec<RecurringItem> = by_counterparty
        .iter_mut()
        .enumerate()
        .filter_map(|(id, txns)| {
            txns.sort_by_key(|t| (t.date, t.id, t.amount));
            detect_one(books, id, txns, as_of)
        })
        .collect();
    items.sort_by(|a, b| a.counterparty.cmp(&b.counterparty));
    items
}

/// The payments to a few counterparties in date order, to tell which of them looked recurring
/// as seen from earlier days (the forecast's backtests): one pass over the transactions, then
/// work in proportion to those payments only.
pub(crate) struct PaymentRuns<'a> {
    /// Counterparty id (as [`detect_recurring`] slots it) and its outflows, oldest first.
    runs: Vec<(usize, Vec<&'a Txn>)>,
}

impl<'a> PaymentRuns<'a> {
    /// The outflows to `counterparties` on or before `as_of`.
    pub(crate) fn of(books: &'a Books, counterparties: &[u32], as_of: NaiveDate) -> Self {
        let slots = books.counterparties.len() + 1;
        let mut run_of = vec![usize::MAX; slots];
        let mut runs: Vec<(usize, Vec<&Txn>)> = Vec::new();
        for &c in counterparties {
            let slot = (c as usize).min(slots - 1);
            if run_of[slot] == usize::MAX {
                run_of[slot] = runs.len();
                runs.push((slot, Vec::new()));
            }
        }
        if !runs.is_empty() {
            for t in &books.txns {
                if t.is_operating() && t.amount < 0 && t.date <= as_of {
                    let slot = (t.counterparty as usize).min(slots - 1);
                    if let Some((_, run)) = runs.get_mut(run_of[slot]) {
                        run.push(t);
                    }
                }
            }
        }
        for (_, run) in &mut runs {
            run.sort_by_key(|t| (t.date, t.id, t.amount));
        }
        Self { runs }
    }

    /// The items [`detect_recurring`] would have found among these counterparties on `cut`.
    pub(crate) fn detect_at(&self, books: &Books, cut: NaiveDate) -> Vec<RecurringItem> {
        self.runs
            .iter()
            .filter_map(|(id, txns)| {
                let seen = txns.partition_point(|t| t.date <= cut);
                detect_one(books, *id, &txns[..seen], cut)
            })
            .collect()
    }
}

fn detect_one(books: &Books, id: usize, txns: &[&Txn], as_of: NaiveDate) -> Option<RecurringItem> {
    let (first, last) = (txns.first()?, txns.last()?);
    let mut dates: Vec<NaiveDate> = txns.iter().map(|t| t.date).collect();
    dates.dedup();
    let (cadence, schedule) = best_schedule(&dates)?;
    if dates.len() < cadence.min_occurrences() {
        return None;
    }
    let sizes: Vec<i64> = txns.iter().map(|t| t.amount.saturating_neg()).collect();
    let median_size = median_i64(&sizes)?;
    let spread = mad_i64(&sizes, median_size)?;
    if median_size <= 0 || as_f64(spread) > MAX_AMOUNT_SPREAD * as_f64(median_size) {
        return None;
    }
    if sizes.len() == 2 && as_f64(spread) > MAX_PAIR_SPREAD * as_f64(median_size) {
        return None;
    }
    let price_change = detect_price_change(txns);
    let recent = &sizes[sizes.len().saturating_sub(6)..];
    let typical = price_change.as_ref().map_or_else(
        || median_i64(recent).unwrap_or(median_size),
        // A payment of `i64::MIN` has a size one past `i64::MAX`: saturate, never wrap.
        |p| p.new_amount.saturating_neg(),
    );
    // The last payment may have come a few days before its scheduled date (a weekend): the
    // next one is the date after that scheduled one.
    let tol = schedule.tolerance();
    let paid_for = schedule.next_after(add_days(last.date, -tol - 1));
    let paid_for = if days_between(last.date, paid_for).abs() <= tol {
        paid_for
    } else {
        last.date
    };
    let next_expected = schedule.next_after(paid_for);
    let overdue_limit = add_days(
        last.date,
        super::stats::round_minor(2.0 * cadence.nominal_days()) + 2 * tol,
    );
    let category = most_common_category(txns);
    Some(RecurringItem {
        counterparty: display_name(&books.counterparties, id),
        counterparty_id: u32::try_from(id).unwrap_or(u32::MAX),
        category: display_name(&books.categories, category),
        cadence,
        schedule_text: schedule.describe(),
        schedule,
        occurrences: txns.len(),
        first_date: first.date,
        last_date: last.date,
        next_expected,
        typical_amount: typical.saturating_neg(),
        active: as_of <= overdue_limit,
        price_change,
        recent_txn_ids: txns[txns.len().saturating_sub(6)..]
            .iter()
            .map(|t| t.id)
            .collect(),
    })
}

/// The cadence and calendar that fit `dates` (sorted, distinct) best, among those the median
/// interval allows; earlier candidates win ties (the tighter calendar first).
fn best_schedule(dates: &[NaiveDate]) -> Option<(Cadence, Schedule)> {
    let intervals: Vec<i64> = dates.windows(2).map(|w| days_between(w[0], w[1])).collect();
    let median_interval = median_i64(&intervals)?;
    let anchors = &dates[..dates.len().min(3)];
    let mut candidates: Vec<(Cadence, Schedule)> = Vec::new();
    let every = |days: i64| {
        anchors
            .iter()
            .map(move |&anchor| Schedule::EveryDays { anchor, days })
    };
    match median_interval {
        5..=9 => candidates.extend(every(7).map(|s| (Cadence::Weekly, s))),
        11..=19 => {
            for (a, b) in semi_monthly_days(dates) {
                candidates.push((
                    Cadence::SemiMonthly,
                    Schedule::DaysOfMonth {
                        first: a,
                        second: Some(b),
                    },
                ));
            }
            candidates.extend(every(14).map(|s| (Cadence::Biweekly, s)));
        }
        24..=38 => {
            candidates.extend(every(28).map(|s| (Cadence::FourWeekly, s)));
            for &anchor in anchors {
                for week in weeks_of(anchor) {
                    candidates.push((
                        Cadence::Monthly,
                        Schedule::WeekdayOfMonth {
                            weekday: anchor.weekday(),
                            week,
                        },
                    ));
                }
            }
            for day in month_days(dates) {
                candidates.push((
                    Cadence::Monthly,
                    Schedule::DaysOfMonth {
                        first: day,
                        second: None,
                    },
                ));
            }
        }
        80..=100 => {
            for &anchor in anchors {
                candidates.push((
                    Cadence::Quarterly,
                    Schedule::EveryMonths {
                        anchor,
                        months: 3,
                        day: schedule_day(anchor),
                    },
                ));
            }
        }
        340..=390 => {
            for &anchor in anchors {
                candidates.push((
                    Cadence::Yearly,
                    Schedule::EveryMonths {
                        anchor,
                        months: 12,
                        day: schedule_day(anchor),
                    },
                ));
            }
        }
        _ => return None,
    }
    let mut best: Option<(Fit, Cadence, Schedule)> = None;
    for (cadence, schedule) in candidates {
        if let Some(fit) = schedule.fit(dates)
            && best.is_none_or(|(b, _, _)| fit.beats(b))
        {
            best = Some((fit, cadence, schedule));
        }
    }
    best.map(|(_, c, s)| (c, s))
}

/// Candidate day pairs of a twice-a-month calendar: the usual payroll pairs, and the days of
/// the first few payments.
fn semi_monthly_days(dates: &[NaiveDate]) -> Vec<(u32, u32)> {
    let mut pairs = vec![(1, 15), (15, LAST_DAY)];
    for w in dates.windows(2).take(3) {
        let (a, b) = (schedule_day(w[0]), schedule_day(w[1]));
        let (a, b) = (a.min(b), a.max(b));
        if (10..=20).contains(&(b - a)) && !pairs.contains(&(a, b)) {
            pairs.push((a, b));
        }
    }
    pairs
}

/// Candidate days of a monthly calendar: the median day of the month, and the month's end
/// when most payments fall on it.
fn month_days(dates: &[NaiveDate]) -> Vec<u32> {
    let days: Vec<i64> = dates.iter().map(|d| i64::from(schedule_day(*d))).collect();
    let mut out = Vec::new();
    if let Some(median) = median_i64(&days).and_then(|m| u32::try_from(m).ok()) {
        out.push(median);
    }
    if !out.contains(&LAST_DAY)
        && dates.iter().filter(|d| schedule_day(**d) >= 28).count() * 2 > dates.len()
    {
        out.push(LAST_DAY);
    }
    out
}

/// Compares the run of payments at the latest amount with the stable level before it.
fn detect_price_change(txns: &[&Txn]) -> Option<PriceChange> {
    let sizes: Vec<i128> = txns.iter().map(|t| -i128::from(t.amount)).collect();
    let latest = *sizes.last()?;
    let near = |a: i128, b: i128, permille: i128| (a - b).abs() * 1000 <= b.abs() * permille;
    let run_start = sizes
        .iter()
        .rposition(|&s| !near(s, latest, 10))
        .map_or(0, |i| i + 1);
    let before = &sizes[run_start.saturating_sub(6)..run_start];
    if before.len() < 2 {
        return None;
    }
    let before_i64: Vec<i64> = before.iter().map(|&s| saturate(s)).collect();
    let old = i128::from(median_i64(&before_i64)?);
    if old <= 0 || !before.iter().all(|&s| near(s, old, 20)) {
        return None;
    }
    let change_bp = basis_points(latest - old, old);
    if change_bp.saturating_abs() < MIN_PRICE_CHANGE_BP {
        return None;
    }
    Some(PriceChange {
        old_amount: saturate(-old),
        new_amount: saturate(-latest),
        change_bp,
        since: txns[run_start].date,
    })
}

fn most_common_category(txns: &[&Txn]) -> usize {
    let mut categories: Vec<u32> = txns.iter().map(|t| t.category).collect();
    categories.sort_unstable();
    let mut best = (0usize, u32::MAX);
    for group in categories.chunk_by(|a, b| a == b) {
        if group.len() > best.0 {
            best = (group.len(), group[0]);
        }
    }
    best.1 as usize
}

//! Recurring outflows: cadence from interval regularity, next date, typical amount and
//! price changes (a subscription that went up 12% is reported with old and new amounts).
//! Only operating flows count: a loan repayment is financing, not a recurring cost.

use super::cashflow::display_name;
use super::dates::{add_days, add_months, days_between};
use super::stats::{as_f64, basis_points, mad_i64, median_i64, saturate};
use crate::money::Currency;
use crate::{Books, Txn};
use chrono::NaiveDate;
use serde::Serialize;

/// Share of intervals that must sit within the cadence's tolerance.
const MIN_REGULAR_SHARE: f64 = 0.75;
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
    Monthly,
    Quarterly,
    Yearly,
}

impl Cadence {
    const ALL: [Cadence; 5] = [
        Cadence::Weekly,
        Cadence::Biweekly,
        Cadence::Monthly,
        Cadence::Quarterly,
        Cadence::Yearly,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Cadence::Weekly => "weekly",
            Cadence::Biweekly => "biweekly",
            Cadence::Monthly => "monthly",
            Cadence::Quarterly => "quarterly",
            Cadence::Yearly => "yearly",
        }
    }

    /// Accepted interval range in days.
    fn interval_days(self) -> (i64, i64) {
        match self {
            Cadence::Weekly => (6, 8),
            Cadence::Biweekly => (12, 16),
            Cadence::Monthly => (26, 34),
            Cadence::Quarterly => (85, 98),
            Cadence::Yearly => (350, 380),
        }
    }

    fn nominal_days(self) -> i64 {
        match self {
            Cadence::Weekly => 7,
            Cadence::Biweekly => 14,
            Cadence::Monthly => 30,
            Cadence::Quarterly => 91,
            Cadence::Yearly => 365,
        }
    }

    fn min_occurrences(self) -> usize {
        if self == Cadence::Yearly { 2 } else { 3 }
    }

    /// The `n`-th date after `anchor` on this cadence.
    #[must_use]
    pub fn step(self, anchor: NaiveDate, n: u32) -> NaiveDate {
        match self {
            Cadence::Weekly => add_days(anchor, 7 * i64::from(n)),
            Cadence::Biweekly => add_days(anchor, 14 * i64::from(n)),
            Cadence::Monthly => add_months(anchor, n),
            Cadence::Quarterly => add_months(anchor, n.saturating_mul(3)),
            Cadence::Yearly => add_months(anchor, n.saturating_mul(12)),
        }
    }
}

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
        for n in 1..=600u32 {
            let date = self.cadence.step(self.last_date, n);
            if date > until || date == NaiveDate::MAX {
                break;
            }
            if date > after {
                dates.push(date);
            }
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
        .map(|i| as_f64(i.typical_amount) * 30.436_875 / as_f64(i.cadence.nominal_days()))
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
    let intervals: Vec<i64> = dates.windows(2).map(|w| days_between(w[0], w[1])).collect();
    let median_interval = median_i64(&intervals)?;
    let cadence = Cadence::ALL.into_iter().find(|c| {
        let (lo, hi) = c.interval_days();
        (lo..=hi).contains(&median_interval)
    })?;
    if dates.len() < cadence.min_occurrences() {
        return None;
    }
    let (lo, hi) = cadence.interval_days();
    let regular = intervals.iter().filter(|d| (lo..=hi).contains(*d)).count();
    #[expect(
        clippy::cast_precision_loss,
        reason = "a statistical estimate over small counts, not an amount"
    )]
    if (regular as f64) < MIN_REGULAR_SHARE * intervals.len() as f64 {
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
    let next_expected = cadence.step(last.date, 1);
    let overdue_limit = add_days(last.date, 2 * cadence.nominal_days() + hi - lo);
    let category = most_common_category(txns);
    Some(RecurringItem {
        counterparty: display_name(&books.counterparties, id),
        counterparty_id: u32::try_from(id).unwrap_or(u32::MAX),
        category: display_name(&books.categories, category),
        cadence,
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

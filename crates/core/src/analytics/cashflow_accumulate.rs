//! The hot loop of the cash-flow report: dense, id-indexed accumulators folded over chunks
//! of transactions on every core, then merged.

use super::cashflow::Flow;
use super::dates::Period;
use super::stats::saturate;
use crate::Txn;
use chrono::NaiveDate;
use rayon::prelude::*;

/// Above this many periods the report lists only periods that hold transactions.
pub(crate) const MAX_DENSE_PERIODS: usize = 10_000;
/// Above this many period × category (or period × account) cells that per-period split is
/// left out.
const MAX_PERIOD_SPLIT_CELLS: usize = 1 << 18;
/// Below this many transactions one core is quicker than two.
const PARALLEL_THRESHOLD: usize = 32_768;

/// Exact running totals of one bucket.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Cell {
    inflow: i128,
    outflow: i128,
    count: u64,
}

impl Cell {
    #[inline]
    fn add(&mut self, amount: i64) {
        if amount >= 0 {
            self.inflow += i128::from(amount);
        } else {
            self.outflow += i128::from(amount);
        }
        self.count += 1;
    }

    fn merge(&mut self, other: &Cell) {
        self.inflow += other.inflow;
        self.outflow += other.outflow;
        self.count += other.count;
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub(crate) fn to_flow(self) -> Flow {
        Flow {
            inflow: saturate(self.inflow),
            outflow: saturate(self.outflow),
            net: saturate(self.inflow + self.outflow),
            count: self.count,
        }
    }
}

/// Where each transaction lands: the period grid and the id dimensions.
pub(crate) struct Layout {
    pub period: Period,
    pub from: NaiveDate,
    pub to: NaiveDate,
    first_key: i64,
    /// Sorted distinct keys when the grid is sparse; empty when dense.
    sparse_keys: Vec<i64>,
    pub periods: usize,
    pub categories: usize,
    pub counterparties: usize,
    pub accounts: usize,
    pub split_periods_by_category: bool,
    pub split_periods_by_account: bool,
}

impl Layout {
    pub(crate) fn new(
        txns: &[Txn],
        period: Period,
        range: (NaiveDate, NaiveDate),
        dims: (usize, usize, usize),
    ) -> Self {
        let (from, to) = range;
        let first_key = period.key(from);
        let span = (period.key(to) - first_key) / period.key_step() + 1;
        let dense = usize::try_from(span).is_ok_and(|s| s <= MAX_DENSE_PERIODS);
        let sparse_keys = if dense {
            Vec::new()
        } else {
            let mut keys: Vec<i64> = txns
                .iter()
                .filter(|t| counts(t, from, to))
                .map(|t| period.key(t.date))
                .collect();
            keys.sort_unstable();
            keys.dedup();
            keys
        };
        let periods = if dense {
            usize::try_from(span).unwrap_or(0)
        } else {
            sparse_keys.len()
        };
        // One extra slot per dimension takes ids the interners never issued.
        let (categories, counterparties, accounts) = (dims.0 + 1, dims.1 + 1, dims.2 + 1);
        let fits = |width: usize| {
            periods
                .checked_mul(width)
                .is_some_and(|cells| cells <= MAX_PERIOD_SPLIT_CELLS)
        };
        Self {
            period,
            from,
            to,
            first_key,
            sparse_keys,
            periods,
            categories,
            counterparties,
            accounts,
            split_periods_by_category: fits(categories),
            split_periods_by_account: fits(accounts),
        }
    }

    pub(crate) fn is_sparse(&self) -> bool {
        !self.sparse_keys.is_empty()
    }

    /// The key of the period at `index`.
    pub(crate) fn key_at(&self, index: usize) -> i64 {
        if self.is_sparse() {
            self.sparse_keys
                .get(index)
                .copied()
                .unwrap_or(self.first_key)
        } else {
            let offset = i64::try_from(index).unwrap_or(0);
            self.first_key + offset * self.period.key_step()
        }
    }

    #[inline]
    fn period_index(&self, date: NaiveDate) -> usize {
        let key = self.period.key(date);
        if self.is_sparse() {
            self.sparse_keys.binary_search(&key).unwrap_or(0)
        } else {
            usize::try_from((key - self.first_key) / self.period.key_step()).unwrap_or(0)
        }
    }
}

/// Whether a transaction counts as cash flow in the range (transfers never do).
#[inline]
pub(crate) fn counts(t: &Txn, from: NaiveDate, to: NaiveDate) -> bool {
    !t.transfer && t.date >= from && t.date <= to
}

/// The folded totals.
pub(crate) struct Accumulator {
    pub total: Cell,
    pub periods: Vec<Cell>,
    /// Row-major `period * categories + category`; empty when the split is left out.
    pub period_categories: Vec<Cell>,
    /// Row-major `period * accounts + account`; empty when the split is left out.
    pub period_accounts: Vec<Cell>,
    pub categories: Vec<Cell>,
    pub counterparties: Vec<Cell>,
    pub accounts: Vec<Cell>,
}

impl Accumulator {
    fn new(layout: &Layout) -> Self {
        let split_cells =
            |split: bool, width: usize| if split { layout.periods * width } else { 0 };
        Self {
            total: Cell::default(),
            periods: vec![Cell::default(); layout.periods],
            period_categories: vec![
                Cell::default();
                split_cells(layout.split_periods_by_category, layout.categories)
            ],
            period_accounts: vec![
                Cell::default();
                split_cells(layout.split_periods_by_account, layout.accounts)
            ],
            categories: vec![Cell::default(); layout.categories],
            counterparties: vec![Cell::default(); layout.counterparties],
            accounts: vec![Cell::default(); layout.accounts],
        }
    }

    fn add_chunk(mut self, txns: &[Txn], layout: &Layout) -> Self {
        let last_category = layout.categories - 1;
        let last_counterparty = layout.counterparties - 1;
        let last_account = layout.accounts - 1;
        for t in txns.iter().filter(|t| counts(t, layout.from, layout.to)) {
            let p = layout
                .period_index(t.date)
                .min(layout.periods.saturating_sub(1));
            let c = (t.category as usize).min(last_category);
            let a = (t.account as usize).min(last_account);
            self.total.add(t.amount);
            if let Some(cell) = self.periods.get_mut(p) {
                cell.add(t.amount);
            }
            if let Some(cell) = self.period_categories.get_mut(p * layout.categories + c) {
                cell.add(t.amount);
            }
            if let Some(cell) = self.period_accounts.get_mut(p * layout.accounts + a) {
                cell.add(t.amount);
            }
            self.categories[c].add(t.amount);
            self.counterparties[(t.counterparty as usize).min(last_counterparty)].add(t.amount);
            self.accounts[a].add(t.amount);
        }
        self
    }

    fn merge(mut self, other: &Self) -> Self {
        self.total.merge(&other.total);
        for (mine, theirs) in [
            (&mut self.periods, &other.periods),
            (&mut self.period_categories, &other.period_categories),
            (&mut self.period_accounts, &other.period_accounts),
            (&mut self.categories, &other.categories),
            (&mut self.counterparties, &other.counterparties),
            (&mut self.accounts, &other.accounts),
        ] {
            for (a, b) in mine.iter_mut().zip(theirs) {
                a.merge(b);
            }
        }
        self
    }
}

/// Folds every transaction into one accumulator, on all cores for large inputs.
pub(crate) fn accumulate(txns: &[Txn], layout: &Layout) -> Accumulator {
    if txns.len() < PARALLEL_THRESHOLD {
        return Accumulator::new(layout).add_chunk(txns, layout);
    }
    let chunks = rayon::current_num_threads().max(1) * 2;
    let chunk_len = txns.len().div_ceil(chunks);
    txns.par_chunks(chunk_len)
        .map(|chunk| Accumulator::new(layout).add_chunk(chunk, layout))
        .reduce_with(|a, b| a.merge(&b))
        .unwrap_or_else(|| Accumulator::new(layout))
}

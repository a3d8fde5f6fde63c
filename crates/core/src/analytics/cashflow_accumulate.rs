//! The cash-flow report's grid: the periods of the range and the id dimensions, with the
//! summed parts laid out on it as dense, id-indexed cells.

use super::cashflow::Flow;
use super::cashflow_parts::CashflowParts;
use super::dates::Period;
use super::stats::saturate;
use crate::Txn;
use chrono::NaiveDate;

/// Above this many periods the report lists only periods that hold transactions.
pub(crate) const MAX_DENSE_PERIODS: usize = 10_000;
/// Above this many period × category (or period × account) cells that per-period split is
/// left out.
pub(crate) const MAX_PERIOD_SPLIT_CELLS: usize = 1 << 18;

/// Exact running totals of one bucket.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Cell {
    inflow: i128,
    outflow: i128,
    count: u64,
}

impl Cell {
    #[inline]
    pub(crate) fn add(&mut self, amount: i64) {
        if amount >= 0 {
            self.inflow += i128::from(amount);
        } else {
            self.outflow += i128::from(amount);
        }
        self.count += 1;
    }

    /// Adds the totals of several transactions at once (a rollup of purged ones).
    #[inline]
    pub(crate) fn add_totals(&mut self, inflow: i64, outflow: i64, count: u64) {
        self.inflow += i128::from(inflow);
        self.outflow += i128::from(outflow);
        self.count += count;
    }

    pub(crate) fn merge(&mut self, other: &Cell) {
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
    /// The grid of `parts` over `[from, to]`, with `dims` names per dimension (categories,
    /// counterparties, accounts).
    pub(crate) fn new(
        parts: &CashflowParts,
        range: (NaiveDate, NaiveDate),
        dims: (usize, usize, usize),
    ) -> Self {
        let period = parts.period;
        let (from, to) = range;
        let first_key = period.key(from);
        let span = (period.key(to) - first_key) / period.key_step() + 1;
        let dense = usize::try_from(span).is_ok_and(|s| s <= MAX_DENSE_PERIODS);
        let sparse_keys = if dense {
            Vec::new()
        } else {
            // The parts hold a period only when a transaction counted in it.
            let mut keys: Vec<i64> = parts.periods.iter().map(|p| p.key).collect();
            keys.sort_unstable();
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

    /// The index of a period key of the range.
    fn index_of_key(&self, key: i64) -> usize {
        let index = if self.is_sparse() {
            self.sparse_keys.binary_search(&key).unwrap_or(0)
        } else {
            usize::try_from((key - self.first_key) / self.period.key_step()).unwrap_or(0)
        };
        index.min(self.periods.saturating_sub(1))
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

    /// The parts laid out on the grid; they must be summed over the layout's range.
    pub(crate) fn from_parts(parts: &CashflowParts, layout: &Layout) -> Self {
        let mut acc = Self::new(layout);
        acc.total = parts.total;
        for (mine, theirs, width) in [
            (&mut acc.categories, &parts.categories, layout.categories),
            (
                &mut acc.counterparties,
                &parts.counterparties,
                layout.counterparties,
            ),
            (&mut acc.accounts, &parts.accounts, layout.accounts),
        ] {
            add_clamped(mine, theirs, width);
        }
        for period in &parts.periods {
            let p = layout.index_of_key(period.key);
            if let Some(cell) = acc.periods.get_mut(p) {
                cell.merge(&period.flow);
            }
            // Left empty when the grid is too large for the split (and the parts then
            // dropped it or hold no more cells than fit).
            for (cells, theirs, width) in [
                (
                    &mut acc.period_categories,
                    &period.categories,
                    layout.categories,
                ),
                (&mut acc.period_accounts, &period.accounts, layout.accounts),
            ] {
                if let Some(row) = cells.get_mut(p * width..(p + 1) * width) {
                    add_clamped(row, theirs, width);
                }
            }
        }
        acc
    }
}

/// Adds `theirs` into `mine` by id; ids past the last slot land in it.
fn add_clamped(mine: &mut [Cell], theirs: &[Cell], width: usize) {
    let last = width.saturating_sub(1);
    for (id, cell) in theirs.iter().enumerate() {
        if let Some(slot) = mine.get_mut(id.min(last)) {
            slot.merge(cell);
        }
    }
}

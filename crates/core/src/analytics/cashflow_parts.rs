//! Cash-flow totals keyed by period, summed before the report's range and names are known:
//! over chunks of the books on every core, or while a books file is read (so a million
//! transactions never need to be held).
//!
//! Parts know the requested bounds (a transaction outside them, or a transfer, does not
//! count) and the first and last dates of every transaction seen, which is where the report
//! runs when no bound is given. [`super::cashflow_accumulate::Accumulator::from_parts`] lays
//! the parts out on the final period grid.

use super::cashflow_accumulate::{Cell, MAX_PERIOD_SPLIT_CELLS, counts};
use super::dates::Period;
use crate::Txn;
use crate::books::FlowRollup;
use chrono::NaiveDate;
use rayon::prelude::*;
use std::collections::HashMap;

/// Below this many transactions one core is quicker than two.
const PARALLEL_THRESHOLD: usize = 32_768;

/// One period's totals, whole and split by category and by account (indexed by id).
#[derive(Debug, Clone)]
pub(crate) struct PeriodParts {
    pub key: i64,
    pub flow: Cell,
    pub categories: Vec<Cell>,
    pub accounts: Vec<Cell>,
}

/// Running cash-flow totals of some transactions; see the module documentation.
#[derive(Debug, Clone)]
pub struct CashflowParts {
    pub(crate) period: Period,
    pub(crate) from: Option<NaiveDate>,
    pub(crate) to: Option<NaiveDate>,
    /// Earliest and latest date of every transaction added, counted or not.
    pub(crate) first: Option<NaiveDate>,
    pub(crate) last: Option<NaiveDate>,
    pub(crate) total: Cell,
    /// In the order first met; `index` finds a key's entry.
    pub(crate) periods: Vec<PeriodParts>,
    index: HashMap<i64, usize>,
    /// The date of the last counted transaction and its entry: books come mostly in date order.
    recent: Option<(NaiveDate, usize)>,
    pub(crate) categories: Vec<Cell>,
    pub(crate) counterparties: Vec<Cell>,
    pub(crate) accounts: Vec<Cell>,
    /// Cells held by the per-period splits (by category, by account), and whether a split
    /// outgrew [`MAX_PERIOD_SPLIT_CELLS`] and was dropped. Every such cell is a distinct cell
    /// of the final grid, so a dropped split is one the report leaves out anyway.
    split_cells: [usize; 2],
    pub(crate) split_dropped: [bool; 2],
}

impl CashflowParts {
    /// Empty parts for a report by `period` over `[from, to]` (each bound optional).
    #[must_use]
    pub fn new(period: Period, from: Option<NaiveDate>, to: Option<NaiveDate>) -> Self {
        Self {
            period,
            from,
            to,
            first: None,
            last: None,
            total: Cell::default(),
            periods: Vec::new(),
            index: HashMap::new(),
            recent: None,
            categories: Vec::new(),
            counterparties: Vec::new(),
            accounts: Vec::new(),
            split_cells: [0; 2],
            split_dropped: [false; 2],
        }
    }

    /// Sums `txns`, on every core when there are many. Ids at or past `dims` (categories,
    /// counterparties, accounts) are counted in one "unknown" bucket per dimension.
    pub(crate) fn of_txns(self, txns: &[Txn], dims: (usize, usize, usize)) -> Self {
        let fold = |mut parts: Self, chunk: &[Txn]| {
            for t in chunk {
                parts.add(&Txn {
                    category: clamp(t.category, dims.0),
                    counterparty: clamp(t.counterparty, dims.1),
                    account: clamp(t.account, dims.2),
                    ..*t
                });
            }
            parts
        };
        if txns.len() < PARALLEL_THRESHOLD {
            return fold(self, txns);
        }
        let chunk_len = txns.len().div_ceil(rayon::current_num_threads().max(1) * 2);
        let empty = self.clone();
        txns.par_chunks(chunk_len)
            .map(|chunk| fold(empty.clone(), chunk))
            .reduce_with(Self::merge)
            .unwrap_or(self)
    }

    /// Adds the monthly totals of purged transactions, each dated the first day of its month
    /// (exact for monthly periods; a weekly or daily report shows a purged month on its first
    /// day). Ids are clamped to `dims` as in [`Self::of_txns`].
    pub(crate) fn with_rollups(
        mut self,
        rollups: &[FlowRollup],
        dims: (usize, usize, usize),
    ) -> Self {
        for r in rollups {
            let as_txn = Txn {
                id: 0,
                date: r.month,
                amount: 0,
                account: clamp(r.account, dims.2),
                category: clamp(r.category, dims.0),
                counterparty: clamp(r.counterparty, dims.1),
                transfer: r.transfer,
                // The cash-flow report counts financing like trading; only transfers are left out.
                financing: false,
            };
            let count = u64::try_from(r.inflow_count.saturating_add(r.outflow_count)).unwrap_or(0);
            self.add_totals(&as_txn, |cell| cell.add_totals(r.inflow, r.outflow, count));
        }
        self
    }

    /// Adds one transaction.
    #[inline]
    pub fn add(&mut self, t: &Txn) {
        self.add_totals(t, |cell| cell.add(t.amount));
    }

    /// Counts `t`'s date, and when it counts, applies `add` to each of its cells.
    #[inline]
    fn add_totals(&mut self, t: &Txn, add: impl Fn(&mut Cell)) {
        self.first = Some(self.first.map_or(t.date, |d| d.min(t.date)));
        self.last = Some(self.last.map_or(t.date, |d| d.max(t.date)));
        let from = self.from.unwrap_or(NaiveDate::MIN);
        let to = self.to.unwrap_or(NaiveDate::MAX);
        if !counts(t, from, to) {
            return;
        }
        let entry = match self.recent {
            Some((date, entry)) if date == t.date => entry,
            _ => {
                let entry = self.entry(self.period.key(t.date));
                self.recent = Some((t.date, entry));
                entry
            }
        };
        let (category, account) = (t.category as usize, t.account as usize);
        add(&mut self.total);
        add(cell(&mut self.categories, category));
        add(cell(&mut self.counterparties, t.counterparty as usize));
        add(cell(&mut self.accounts, account));
        let period = &mut self.periods[entry];
        add(&mut period.flow);
        if !self.split_dropped[0] {
            self.split_cells[0] += add_split(&mut period.categories, category, &add);
        }
        if !self.split_dropped[1] {
            self.split_cells[1] += add_split(&mut period.accounts, account, &add);
        }
        self.drop_oversized_splits();
    }

    /// The latest date of every transaction added (`None` when there were none).
    #[must_use]
    pub fn last_date(&self) -> Option<NaiveDate> {
        self.last
    }

    /// The parts with their name ids translated (`map[local id]` is the new id), as when
    /// each chunk of a file interned its names on its own.
    #[must_use]
    pub fn remap_ids(
        mut self,
        accounts: &[u32],
        categories: &[u32],
        counterparties: &[u32],
    ) -> Self {
        self.categories = remapped(&self.categories, categories);
        self.counterparties = remapped(&self.counterparties, counterparties);
        self.accounts = remapped(&self.accounts, accounts);
        for period in &mut self.periods {
            period.categories = remapped(&period.categories, categories);
            period.accounts = remapped(&period.accounts, accounts);
        }
        self.recount_splits();
        self
    }

    /// Both parts' totals, as if every transaction had been added to one of them. Both
    /// must be for the same period and bounds.
    #[must_use]
    pub fn merge(mut self, other: Self) -> Self {
        self.first = match (self.first, other.first) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last = self.last.max(other.last);
        self.total.merge(&other.total);
        merge_cells(&mut self.categories, &other.categories);
        merge_cells(&mut self.counterparties, &other.counterparties);
        merge_cells(&mut self.accounts, &other.accounts);
        for split in 0..2 {
            self.split_dropped[split] |= other.split_dropped[split];
        }
        for theirs in other.periods {
            let entry = self.entry(theirs.key);
            let mine = &mut self.periods[entry];
            mine.flow.merge(&theirs.flow);
            merge_cells(&mut mine.categories, &theirs.categories);
            merge_cells(&mut mine.accounts, &theirs.accounts);
        }
        self.recent = None;
        self.recount_splits();
        self
    }

    /// The entry of a period key, added if new.
    fn entry(&mut self, key: i64) -> usize {
        let next = self.periods.len();
        let entry = *self.index.entry(key).or_insert(next);
        if entry == next {
            self.periods.push(PeriodParts {
                key,
                flow: Cell::default(),
                categories: Vec::new(),
                accounts: Vec::new(),
            });
        }
        entry
    }

    fn recount_splits(&mut self) {
        self.split_cells = [
            self.periods.iter().map(|p| p.categories.len()).sum(),
            self.periods.iter().map(|p| p.accounts.len()).sum(),
        ];
        self.drop_oversized_splits();
    }

    fn drop_oversized_splits(&mut self) {
        for split in 0..2 {
            if self.split_cells[split] > MAX_PERIOD_SPLIT_CELLS {
                self.split_dropped[split] = true;
            }
            if self.split_dropped[split] && self.split_cells[split] > 0 {
                for period in &mut self.periods {
                    let cells = if split == 0 {
                        &mut period.categories
                    } else {
                        &mut period.accounts
                    };
                    *cells = Vec::new();
                }
                self.split_cells[split] = 0;
            }
        }
    }
}

fn clamp(id: u32, len: usize) -> u32 {
    u32::try_from(len).map_or(id, |len| id.min(len))
}

/// The cell of `id`, growing the vector to hold it.
#[inline]
fn cell(cells: &mut Vec<Cell>, id: usize) -> &mut Cell {
    if id >= cells.len() {
        cells.resize(id + 1, Cell::default());
    }
    &mut cells[id]
}

/// Adds to a per-period split; returns how many cells it grew by.
#[inline]
fn add_split(cells: &mut Vec<Cell>, id: usize, add: &impl Fn(&mut Cell)) -> usize {
    let grown = (id + 1).saturating_sub(cells.len());
    add(cell(cells, id));
    grown
}

fn merge_cells(mine: &mut Vec<Cell>, theirs: &[Cell]) {
    if theirs.len() > mine.len() {
        mine.resize(theirs.len(), Cell::default());
    }
    for (a, b) in mine.iter_mut().zip(theirs) {
        a.merge(b);
    }
}

fn remapped(cells: &[Cell], map: &[u32]) -> Vec<Cell> {
    let mut out = Vec::new();
    for (id, c) in cells.iter().enumerate() {
        if !c.is_empty() {
            let new_id = map.get(id).map_or(id, |&n| n as usize);
            cell(&mut out, new_id).merge(c);
        }
    }
    out
}

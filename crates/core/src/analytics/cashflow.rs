//! Inflow, outflow and net by period, category, counterparty and account.
//!
//! Transfers between the organisation's own accounts are not cash flow and are left out
//! (they still move account balances, see [`super::cash_position`]).

use super::cashflow_accumulate::{Accumulator, Cell, Layout};
use super::cashflow_parts::CashflowParts;
use super::dates::Period;
use super::stats::shares_summing_to_whole;
use crate::Books;
use crate::books::Interner;
use crate::money::Currency;
use chrono::NaiveDate;
use serde::Serialize;

/// Exact totals of one bucket. `outflow` is negative or zero (the books' sign);
/// `net = inflow + outflow`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Flow {
    pub inflow: i64,
    pub outflow: i64,
    pub net: i64,
    /// Number of transactions.
    pub count: u64,
}

/// A bucket named after a category, counterparty or account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NamedFlow {
    pub name: String,
    #[serde(flatten)]
    pub flow: Flow,
}

/// One period of the series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeriodFlow {
    pub start: NaiveDate,
    pub end: NaiveDate,
    #[serde(flatten)]
    pub flow: Flow,
    /// The period's flows by category (non-empty buckets only).
    pub by_category: Vec<NamedFlow>,
    /// The period's flows by bank account (non-empty buckets only).
    pub by_account: Vec<NamedFlow>,
}

/// The cash-flow report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CashflowReport {
    pub currency: Currency,
    pub period: Period,
    /// The range covered; `None` when there is nothing to report.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub total: Flow,
    pub periods: Vec<PeriodFlow>,
    pub by_category: Vec<NamedFlow>,
    pub by_counterparty: Vec<NamedFlow>,
    pub by_account: Vec<NamedFlow>,
    /// True when the range holds so many periods that only those with transactions are listed.
    pub sparse_periods: bool,
    /// False when periods × categories is too large to split each period by category.
    pub periods_split_by_category: bool,
    /// False when periods × accounts is too large to split each period by account.
    pub periods_split_by_account: bool,
}

/// Builds the cash-flow report over `[from, to]` (each defaulting to the first/last transaction).
/// Purged months count through their rollups ([`crate::books::FlowRollup`]), dated the first
/// day of their month: a monthly report over them is what it was before the purge.
#[must_use]
pub fn cashflow(
    books: &Books,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    period: Period,
) -> CashflowReport {
    let dims = (
        books.categories.len(),
        books.counterparties.len(),
        books.accounts.len(),
    );
    let parts = CashflowParts::new(period, from, to)
        .of_txns(&books.txns, dims)
        .with_rollups(&books.flow_rollups, dims);
    cashflow_of_parts(&parts, books)
}

/// The cash-flow report of summed parts; `books` gives the currency and the names (its
/// transactions are not read again, and need not be there).
#[must_use]
pub fn cashflow_of_parts(parts: &CashflowParts, books: &Books) -> CashflowReport {
    let period = parts.period;
    let (Some(from), Some(to)) = (parts.from.or(parts.first), parts.to.or(parts.last)) else {
        return empty(books.currency, period, parts.from, parts.to);
    };
    if from > to {
        return empty(books.currency, period, Some(from), Some(to));
    }
    let dims = (
        books.categories.len(),
        books.counterparties.len(),
        books.accounts.len(),
    );
    let layout = Layout::new(parts, (from, to), dims);
    let acc = Accumulator::from_parts(parts, &layout);
    assemble(books, &layout, &acc)
}

fn empty(
    currency: Currency,
    period: Period,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> CashflowReport {
    CashflowReport {
        currency,
        period,
        from,
        to,
        total: Flow::default(),
        periods: Vec::new(),
        by_category: Vec::new(),
        by_counterparty: Vec::new(),
        by_account: Vec::new(),
        sparse_periods: false,
        periods_split_by_category: true,
        periods_split_by_account: true,
    }
}

fn assemble(books: &Books, layout: &Layout, acc: &Accumulator) -> CashflowReport {
    let periods = (0..layout.periods)
        .map(|index| {
            let key = layout.key_at(index);
            let split = |cells: &[Cell], width: usize, names: &Interner| {
                let row = index * width;
                cells
                    .get(row..row + width)
                    .map(|row| named(row, names))
                    .unwrap_or_default()
            };
            PeriodFlow {
                start: layout.period.start_of_key(key).max(layout.from),
                end: layout.period.end_of_key(key).min(layout.to),
                flow: acc.periods[index].to_flow(),
                by_category: split(&acc.period_categories, layout.categories, &books.categories),
                by_account: split(&acc.period_accounts, layout.accounts, &books.accounts),
            }
        })
        .collect();
    CashflowReport {
        currency: books.currency,
        period: layout.period,
        from: Some(layout.from),
        to: Some(layout.to),
        total: acc.total.to_flow(),
        periods,
        by_category: named(&acc.categories, &books.categories),
        by_counterparty: named(&acc.counterparties, &books.counterparties),
        by_account: named(&acc.accounts, &books.accounts),
        sparse_periods: layout.is_sparse(),
        periods_split_by_category: layout.split_periods_by_category,
        periods_split_by_account: layout.split_periods_by_account,
    }
}

/// Non-empty buckets with their names, largest movement first, then by name.
fn named(cells: &[Cell], names: &Interner) -> Vec<NamedFlow> {
    let mut out: Vec<NamedFlow> = cells
        .iter()
        .enumerate()
        .filter(|(_, cell)| !cell.is_empty())
        .map(|(id, cell)| NamedFlow {
            name: display_name(names, id),
            flow: cell.to_flow(),
        })
        .collect();
    out.sort_by(|a, b| {
        let volume = |f: &Flow| i128::from(f.inflow) - i128::from(f.outflow);
        volume(&b.flow)
            .cmp(&volume(&a.flow))
            .then_with(|| a.name.cmp(&b.name))
    });
    out
}

/// One bucket's share of all the money in and of all the money out, in basis points.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FlowShare {
    pub inflow_bp: i64,
    pub outflow_bp: i64,
}

/// Each bucket's share of the money in and of the money out of all `buckets` (money out is
/// negative in the books; its share is of its size). Each column adds up to exactly 100.0% as
/// shown (largest remainder), or is all zero when nothing moved that way.
#[must_use]
pub fn flow_shares(buckets: &[NamedFlow]) -> Vec<FlowShare> {
    let inflow: Vec<i128> = buckets.iter().map(|b| i128::from(b.flow.inflow)).collect();
    let outflow: Vec<i128> = buckets
        .iter()
        .map(|b| -i128::from(b.flow.outflow))
        .collect();
    shares_summing_to_whole(&inflow)
        .into_iter()
        .zip(shares_summing_to_whole(&outflow))
        .map(|(inflow_bp, outflow_bp)| FlowShare {
            inflow_bp,
            outflow_bp,
        })
        .collect()
}

/// The interned name of an id, or a placeholder for ids the table never issued.
pub(crate) fn display_name(names: &Interner, id: usize) -> String {
    let name = u32::try_from(id).map_or("", |id| names.name(id));
    if name.is_empty() {
        "(unknown)".to_owned()
    } else {
        name.to_owned()
    }
}

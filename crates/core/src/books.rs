//! The books as the analytics engine sees them: compact, interned, exact.
//!
//! Names (accounts, categories, counterparties) are interned once so a million
//! transactions cost a few dozen bytes each. Amounts are `i64` minor units of the
//! organisation's base currency: amounts of accounts in other currencies are converted as the
//! books are loaded, at their date's rate ([`crate::fx`]).

use crate::flow_class::FlowClass;
use crate::money::Currency;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The canonical FlowSense transactions CSV header (written by `flowsense gen`).
pub const TXN_CSV_HEADER: [&str; 8] = [
    "date",
    "account",
    "amount",
    "currency",
    "counterparty",
    "category",
    "description",
    "reference",
];

/// The canonical invoices-and-bills CSV header (`<books>.documents.csv`).
pub const DOC_CSV_HEADER: [&str; 8] = [
    "kind",
    "number",
    "counterparty",
    "issue_date",
    "due_date",
    "paid_date",
    "amount",
    "currency",
];

/// The category that marks a movement between two of the organisation's own accounts.
pub const TRANSFER_CATEGORY: &str = "Transfer";

/// A string table: each distinct name gets a dense `u32`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Interner {
    names: Vec<String>,
    index: HashMap<String, u32>,
}

impl Interner {
    /// The id of `name`, adding it if new.
    ///
    /// # Panics
    /// Only past `u32::MAX` distinct names, which no book reaches.
    pub fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.index.get(name) {
            return id;
        }
        let id = u32::try_from(self.names.len()).expect("fewer than 2^32 distinct names");
        self.names.push(name.to_owned());
        self.index.insert(name.to_owned(), id);
        id
    }

    #[must_use]
    pub fn get(&self, name: &str) -> Option<u32> {
        self.index.get(name).copied()
    }

    /// The name behind an id; empty for an id this table never issued.
    #[must_use]
    pub fn name(&self, id: u32) -> &str {
        self.names.get(id as usize).map_or("", String::as_str)
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.names.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }
}

/// One cash movement on one of the organisation's bank accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Txn {
    /// Stable id: the database row id, or the CSV line number for `--input`.
    pub id: i64,
    pub date: NaiveDate,
    /// Signed minor units of the base currency: positive is money in.
    pub amount: i64,
    pub account: u32,
    pub category: u32,
    pub counterparty: u32,
    /// A movement between two of the organisation's own accounts.
    pub transfer: bool,
    /// Owner money or a loan ([`FlowClass::Financing`]): cash, but not revenue or cost.
    pub financing: bool,
}

impl Txn {
    /// The transaction's class.
    #[must_use]
    pub fn class(&self) -> FlowClass {
        if self.transfer {
            FlowClass::Transfer
        } else if self.financing {
            FlowClass::Financing
        } else {
            FlowClass::Operating
        }
    }

    /// Whether the transaction is the business's own trading: what revenue, burn, customer
    /// concentration and recurring costs are made of.
    #[must_use]
    pub fn is_operating(&self) -> bool {
        !self.transfer && !self.financing
    }
}

/// Whether a document is money owed to us or by us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DocKind {
    /// A sales invoice: a customer owes us.
    Invoice,
    /// A supplier bill: we owe them.
    Bill,
}

impl DocKind {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Invoice => "invoice",
            DocKind::Bill => "bill",
        }
    }
}

/// An invoice or a bill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub kind: DocKind,
    pub number: String,
    pub counterparty: u32,
    pub issued: NaiveDate,
    pub due: NaiveDate,
    /// `None` while open.
    pub paid: Option<NaiveDate>,
    /// Positive minor units of the base currency.
    pub amount: i64,
}

/// A monthly total per category of transactions purged by retention, so that seasonality
/// survives. Rollups count only purged transactions, never ones still in [`Books::txns`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthlyRollup {
    /// First day of the month.
    pub month: NaiveDate,
    pub category: u32,
    /// Sum of positive amounts (minor units).
    pub inflow: i64,
    /// Sum of negative amounts (minor units, negative or zero).
    pub outflow: i64,
    pub count: i64,
}

/// Totals of purged transactions of one month, bank account, category, counterparty and
/// transfer flag: the grain of the cash-flow report and of the balances, so both stay exact
/// over purged months. Like [`MonthlyRollup`], it counts only transactions no longer in
/// [`Books::txns`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowRollup {
    /// First day of the month.
    pub month: NaiveDate,
    pub account: u32,
    pub category: u32,
    pub counterparty: u32,
    pub transfer: bool,
    /// Sum of amounts ≥ 0 (minor units).
    pub inflow: i64,
    /// Sum of negative amounts (minor units, negative or zero).
    pub outflow: i64,
    pub inflow_count: i64,
    pub outflow_count: i64,
}

/// Totals of purged non-transfer transactions of one ISO week and counterparty: the
/// forecast's weekly history, whose streams are told apart by counterparty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeekRollup {
    /// The week's Monday.
    pub week: NaiveDate,
    pub counterparty: u32,
    /// Sum of amounts ≥ 0 (minor units).
    pub inflow: i64,
    /// Sum of negative amounts (minor units, negative or zero).
    pub outflow: i64,
}

/// A change in the base-currency value of a bank account held in another currency, from its
/// exchange rate moving: not a flow of money, so cash-flow figures, burn and the forecast's
/// history leave it out, but balances count it. With these, an account's balance on any day is
/// its own balance at that day's rate (see [`crate::fx::revaluations`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Revaluation {
    pub date: NaiveDate,
    pub account: u32,
    /// Minor units of the base currency: a gain when positive.
    pub amount: i64,
}

/// Everything the engine needs about one organisation's books.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Books {
    pub currency: Currency,
    pub accounts: Interner,
    pub categories: Interner,
    pub counterparties: Interner,
    pub txns: Vec<Txn>,
    pub documents: Vec<Document>,
    pub rollups: Vec<MonthlyRollup>,
    /// Monthly totals of purged transactions (see [`FlowRollup`]).
    pub flow_rollups: Vec<FlowRollup>,
    /// Weekly totals of purged transactions (see [`WeekRollup`]).
    pub week_rollups: Vec<WeekRollup>,
    /// Opening balance per account (indexed by account id) before the first transaction.
    pub opening_balances: Vec<i64>,
    /// Exchange-rate revaluations of accounts in other currencies, by date.
    pub revaluations: Vec<Revaluation>,
    /// What the owner expects to come in or go out (the forecast includes it).
    pub planned: Vec<crate::planned::PlannedFlow>,
    /// Amounts in other currencies that had no rate to the base currency on their date: left
    /// out of every figure, and listed beside them (see [`crate::fx`]).
    pub missing_rates: Vec<crate::fx::MissingRate>,
}

impl Books {
    #[must_use]
    pub fn new(currency: Currency) -> Self {
        Self {
            currency,
            accounts: Interner::default(),
            categories: Interner::default(),
            counterparties: Interner::default(),
            txns: Vec::new(),
            documents: Vec::new(),
            rollups: Vec::new(),
            flow_rollups: Vec::new(),
            week_rollups: Vec::new(),
            opening_balances: Vec::new(),
            revaluations: Vec::new(),
            planned: Vec::new(),
            missing_rates: Vec::new(),
        }
    }

    /// Adds a transaction by names, interning them; a non-transfer is classed as financing by
    /// its names ([`FlowClass::of_names`]).
    #[allow(clippy::too_many_arguments)]
    pub fn push_txn(
        &mut self,
        id: i64,
        date: NaiveDate,
        amount: i64,
        account: &str,
        category: &str,
        counterparty: &str,
        transfer: bool,
    ) {
        let financing =
            !transfer && FlowClass::of_names(category, counterparty) == FlowClass::Financing;
        let account = self.accounts.intern(account);
        let category = self.categories.intern(category);
        let counterparty = self.counterparties.intern(counterparty);
        self.txns.push(Txn {
            id,
            date,
            amount,
            account,
            category,
            counterparty,
            transfer,
            financing,
        });
    }

    /// Adds the monthly totals of purged transactions, and their share of the per-category
    /// [`Books::rollups`] (transfers included, as there; readers leave them out by category).
    pub fn push_flow_rollups(&mut self, rollups: impl IntoIterator<Item = FlowRollup>) {
        let mut by_category: HashMap<(NaiveDate, u32), usize> = self
            .rollups
            .iter()
            .enumerate()
            .map(|(ix, r)| ((r.month, r.category), ix))
            .collect();
        for r in rollups {
            self.flow_rollups.push(r);
            let next = self.rollups.len();
            let ix = *by_category.entry((r.month, r.category)).or_insert(next);
            if ix == next {
                self.rollups.push(MonthlyRollup {
                    month: r.month,
                    category: r.category,
                    inflow: 0,
                    outflow: 0,
                    count: 0,
                });
            }
            let total = &mut self.rollups[ix];
            total.inflow = total.inflow.saturating_add(r.inflow);
            total.outflow = total.outflow.saturating_add(r.outflow);
            total.count = total
                .count
                .saturating_add(r.inflow_count.saturating_add(r.outflow_count));
        }
    }

    /// The class each category name implies ([`FlowClass::of_category`]), indexed by category
    /// id: how purged rollups, which keep no per-transaction class, are told apart.
    #[must_use]
    pub fn category_classes(&self) -> Vec<FlowClass> {
        self.categories
            .names()
            .map(FlowClass::of_category)
            .collect()
    }

    /// Sets every non-transfer transaction's financing flag from its category and counterparty
    /// names ([`FlowClass::of_names`]), each name judged once: for readers that build
    /// [`Txn`]s directly rather than through [`Books::push_txn`].
    pub fn class_by_names(&mut self) {
        let categories: Vec<&str> = self.categories.names().collect();
        let counterparties: Vec<&str> = self.counterparties.names().collect();
        let mut classes: HashMap<(u32, u32), bool> = HashMap::new();
        let by_category: Vec<FlowClass> = categories
            .iter()
            .map(|c| FlowClass::of_category(c))
            .collect();
        for t in &mut self.txns {
            if t.transfer {
                continue;
            }
            t.financing = match by_category.get(t.category as usize) {
                Some(FlowClass::Financing) => true,
                Some(FlowClass::Transfer) | None => false,
                Some(FlowClass::Operating) => *classes
                    .entry((t.category, t.counterparty))
                    .or_insert_with(|| {
                        let category = categories.get(t.category as usize).copied().unwrap_or("");
                        let counterparty = counterparties
                            .get(t.counterparty as usize)
                            .copied()
                            .unwrap_or("");
                        FlowClass::of_names(category, counterparty) == FlowClass::Financing
                    }),
            };
        }
    }

    /// Opening balance of an account (zero when unknown).
    #[must_use]
    pub fn opening_balance(&self, account: u32) -> i64 {
        self.opening_balances
            .get(account as usize)
            .copied()
            .unwrap_or(0)
    }

    /// The books as a plan that shows history from `start` on sees them: transactions and
    /// rollups before `start` leave every figure and series, and their amounts move into the
    /// accounts' opening balances so the balances from `start` on stay what they are; invoices
    /// and bills both issued and settled before `start` leave too (open ones stay). Nothing is
    /// lost: the stored books are untouched, this is one view of them.
    pub fn hide_before(&mut self, start: NaiveDate) {
        let mut moved: Vec<(u32, i64)> = Vec::new();
        self.txns.retain(|t| {
            let keep = t.date >= start;
            if !keep {
                moved.push((t.account, t.amount));
            }
            keep
        });
        self.flow_rollups.retain(|r| {
            let keep = r.month >= start;
            if !keep {
                moved.push((r.account, r.inflow.saturating_add(r.outflow)));
            }
            keep
        });
        self.revaluations.retain(|r| {
            let keep = r.date >= start;
            if !keep {
                moved.push((r.account, r.amount));
            }
            keep
        });
        for (account, amount) in moved {
            let ix = account as usize;
            if self.opening_balances.len() <= ix {
                self.opening_balances.resize(ix + 1, 0);
            }
            self.opening_balances[ix] = self.opening_balances[ix].saturating_add(amount);
        }
        self.rollups.retain(|r| r.month >= start);
        self.week_rollups.retain(|r| r.week >= start);
        self.documents
            .retain(|d| d.issued >= start || d.paid.is_none_or(|p| p >= start));
    }
}

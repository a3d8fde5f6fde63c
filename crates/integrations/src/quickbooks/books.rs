//! QuickBooks records as provider-neutral book changes ([`BookChange`]).
//!
//! - `Bank` and `Credit Card` accounts become [`MoneyAccount`]s; other accounts are only
//!   remembered by name (a journal entry's category).
//! - Each transaction's postings to money accounts become [`CashMovement`]s, one per account
//!   (postings to the same account summed), with `source_id` = entity and id (`Purchase:123`)
//!   and movement id = `source_id:account` (`Transfer:77:35`). Postings to other accounts are
//!   not money moving. A transaction whose money postings reach two or more money accounts and
//!   nothing else (a Transfer, a journal entry between banks) is a transfer.
//! - A voided transaction moves nothing (`Movements` with none); a voided invoice or bill and
//!   anything deleted is `Removed`.
//! - Invoices and bills become [`Document`]s. One whose open balance is zero is paid: on the
//!   date of the Payment (BillPayment) that settled it when this mapper has seen that payment
//!   (a backfill reads payments before documents for this reason), otherwise on the date the
//!   document was last updated in QuickBooks (a full payment updates it), otherwise its issue
//!   date.
//! - Category: the first line's account name; else, for a journal entry, the name of its first
//!   non-money account; else the entity's name (`Payment`, `BillPayment`): a payment settles
//!   invoices, it has no category of its own.

use super::model::{AccountRecord, EntityType, Posting, Record, RecordState, TxnRecord};
use chrono::NaiveDate;
use flowsense_core::books::TRANSFER_CATEGORY;
use flowsense_core::synced::{
    BookChange, CashMovement, Document, MoneyAccount, MoneyAccountKind, Rate,
};
use flowsense_core::{DocKind, Money};
use std::collections::{BTreeMap, HashMap};

/// `Purchase:123`: the id every row of one QuickBooks transaction carries.
#[must_use]
pub fn source_id(entity: EntityType, provider_id: &str) -> String {
    format!("{}:{provider_id}", entity.name())
}

fn money_kind(account_type: &str) -> Option<MoneyAccountKind> {
    match account_type {
        "Bank" => Some(MoneyAccountKind::Bank),
        "Credit Card" | "CreditCard" => Some(MoneyAccountKind::CreditCard),
        _ => None,
    }
}

/// Maps records to changes, remembering what later records need: which accounts hold money,
/// every account's name, and the dates payments settled documents. Feed it the chart of
/// accounts before any transaction.
#[derive(Debug, Default, Clone)]
pub struct BookMapper {
    money: HashMap<String, MoneyAccountKind>,
    names: HashMap<String, String>,
    settled_on: HashMap<String, NaiveDate>,
}

impl BookMapper {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether `account_id` is a bank or card account this mapper has seen.
    #[must_use]
    pub fn is_money_account(&self, account_id: &str) -> bool {
        self.money.contains_key(account_id)
    }

    /// Remembers accounts and payment dates from `records` without mapping them (a resumed
    /// backfill re-reads what it needs to know).
    pub fn learn(&mut self, records: &[Record]) {
        for r in records {
            match r {
                Record::Account(a) => {
                    self.names.insert(a.provider_id.clone(), a.name.clone());
                    match money_kind(&a.account_type) {
                        Some(kind) => {
                            self.money.insert(a.provider_id.clone(), kind);
                        }
                        None => {
                            self.money.remove(&a.provider_id);
                        }
                    }
                }
                Record::Txn(t)
                    if t.state == RecordState::Active
                        && matches!(t.entity, EntityType::Payment | EntityType::BillPayment) =>
                {
                    if let Some(date) = t.date {
                        for doc in &t.settles {
                            self.settled_on.insert(doc.clone(), date);
                        }
                    }
                }
                Record::Txn(_) | Record::Deleted { .. } => {}
            }
        }
    }

    /// The changes `records` make, in their order (after learning from all of them).
    #[must_use]
    pub fn map(&mut self, records: &[Record]) -> Vec<BookChange> {
        self.learn(records);
        records.iter().filter_map(|r| self.change(r)).collect()
    }

    fn change(&self, record: &Record) -> Option<BookChange> {
        match record {
            Record::Account(a) => self.account(a).map(BookChange::Account),
            Record::Deleted { entity, .. } if *entity == EntityType::Account => None,
            Record::Deleted {
                entity,
                provider_id,
                ..
            } => Some(BookChange::Removed {
                source_id: source_id(*entity, provider_id),
            }),
            Record::Txn(t) if matches!(t.entity, EntityType::Invoice | EntityType::Bill) => {
                Some(self.document(t))
            }
            Record::Txn(t) => Some(self.movements(t)),
        }
    }

    fn account(&self, a: &AccountRecord) -> Option<MoneyAccount> {
        Some(MoneyAccount {
            provider_id: a.provider_id.clone(),
            name: a.name.clone(),
            kind: money_kind(&a.account_type)?,
            currency: a.currency,
            active: a.active,
        })
    }

    fn movements(&self, t: &TxnRecord) -> BookChange {
        let source = source_id(t.entity, &t.provider_id);
        let date = t.date.or_else(|| t.updated_at.map(|u| u.date_naive()));
        let (Some(date), RecordState::Active) = (date, t.state) else {
            return BookChange::Movements {
                source_id: source,
                movements: Vec::new(),
            };
        };
        let mut per_account: BTreeMap<&str, i64> = BTreeMap::new();
        let mut other: Option<&Posting> = None;
        for p in &t.postings {
            if self.is_money_account(&p.account_id) {
                *per_account.entry(&p.account_id).or_default() += p.amount_minor;
            } else if other.is_none() {
                other = Some(p);
            }
        }
        per_account.retain(|_, sum| *sum != 0);
        let is_transfer = per_account.len() >= 2 && other.is_none();
        let category = if is_transfer {
            TRANSFER_CATEGORY.to_owned()
        } else {
            t.category
                .clone()
                .or_else(|| other.and_then(|p| self.names.get(&p.account_id).cloned()))
                .unwrap_or_else(|| t.entity.name().to_owned())
        };
        let description = t.memo.clone().or_else(|| t.doc_number.clone());
        let movements = per_account
            .into_iter()
            .map(|(account, minor)| CashMovement {
                provider_id: format!("{source}:{account}"),
                source_id: source.clone(),
                account_id: account.to_owned(),
                date,
                amount: Money::new(minor, t.total.currency),
                rate: t.exchange_rate.map(|r| Rate {
                    mantissa: r.mantissa,
                    scale: r.scale,
                }),
                counterparty: t.counterparty.clone().unwrap_or_default(),
                description: description.clone().unwrap_or_default(),
                category: category.clone(),
                is_transfer,
            })
            .collect();
        BookChange::Movements {
            source_id: source,
            movements,
        }
    }

    fn document(&self, t: &TxnRecord) -> BookChange {
        let source = source_id(t.entity, &t.provider_id);
        let issue_date = t.date.or_else(|| t.updated_at.map(|u| u.date_naive()));
        let (Some(issue_date), RecordState::Active) = (issue_date, t.state) else {
            return BookChange::Removed { source_id: source };
        };
        let paid = t.open_balance.is_some_and(|b| b.minor == 0);
        let paid_date = paid.then(|| {
            self.settled_on
                .get(&t.provider_id)
                .copied()
                .or_else(|| t.updated_at.map(|u| u.date_naive()))
                .unwrap_or(issue_date)
        });
        BookChange::Document(Document {
            kind: if t.entity == EntityType::Invoice {
                DocKind::Invoice
            } else {
                DocKind::Bill
            },
            provider_id: source,
            number: t
                .doc_number
                .clone()
                .unwrap_or_else(|| t.provider_id.clone()),
            counterparty: t.counterparty.clone().unwrap_or_default(),
            issue_date,
            due_date: t.due_date.unwrap_or(issue_date),
            paid_date,
            amount: Money::new(t.total.minor.abs(), t.total.currency),
            rate: t.exchange_rate.map(|r| Rate {
                mantissa: r.mantissa,
                scale: r.scale,
            }),
        })
    }
}

#[cfg(test)]
#[path = "books_tests.rs"]
mod tests;

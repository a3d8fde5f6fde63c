//! The provider-neutral shape of books synced from accounting software: what every provider's
//! client (`flowsense-integrations`) maps its own entities into, and what storage applies.
//! Money is exact (signed minor units in the record's own currency, with the provider's rate
//! to the company's home currency when it differs); every record is keyed by the provider's
//! id, so a re-read updates rather than duplicates.

use crate::{DocKind, Money};
use chrono::NaiveDate;

/// An exact decimal rate: `mantissa × 10^-scale` units of the home currency per unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub mantissa: i64,
    pub scale: u32,
}

/// What kind of money account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoneyAccountKind {
    Bank,
    CreditCard,
}

/// A bank or card account: where cash moves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoneyAccount {
    /// The provider's id of the account.
    pub provider_id: String,
    pub name: String,
    pub kind: MoneyAccountKind,
    pub currency: crate::Currency,
    /// Closed or archived at the provider (its history still counts).
    pub active: bool,
}

/// Money that moved in one money account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CashMovement {
    /// Unique per movement: the provider's transaction id, plus the account when one
    /// transaction moves money in several accounts (a transfer, a journal entry).
    pub provider_id: String,
    /// The provider id of the transaction it belongs to: deleting or voiding that transaction
    /// removes every movement that carries it.
    pub source_id: String,
    /// [`MoneyAccount::provider_id`] of the account it moved in.
    pub account_id: String,
    pub date: NaiveDate,
    /// Signed, in the movement's own currency: money in positive.
    pub amount: Money,
    /// Home-currency units per unit of `amount.currency`, when the provider gives one.
    pub rate: Option<Rate>,
    pub counterparty: String,
    pub description: String,
    /// The provider's category (the first line's account name), empty when none.
    pub category: String,
    /// Between two of the company's own money accounts.
    pub is_transfer: bool,
}

/// An invoice or bill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Invoice (money owed to the company) or bill (money it owes).
    pub kind: DocKind,
    pub provider_id: String,
    pub number: String,
    pub counterparty: String,
    pub issue_date: NaiveDate,
    pub due_date: NaiveDate,
    /// When it was paid in full; `None` while any of it is open.
    pub paid_date: Option<NaiveDate>,
    /// The total, positive, in the document's currency.
    pub amount: Money,
    pub rate: Option<Rate>,
}

/// One change to apply to the stored copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BookChange {
    Account(MoneyAccount),
    /// The transaction `source_id` now moves exactly these amounts (possibly none: a voided
    /// transaction, or one that touches no money account): movements it had before and no
    /// longer has are removed.
    Movements {
        source_id: String,
        movements: Vec<CashMovement>,
    },
    Document(Document),
    /// Deleted at the provider: every movement carrying this `source_id` and the document with
    /// this provider id are removed.
    Removed {
        source_id: String,
    },
}

//! The generator's books as one Xero organisation: bank lines become bank transactions
//! (`RECEIVE`/`SPEND`, and the `SPEND-TRANSFER`/`RECEIVE-TRANSFER` pair of a bank transfer) or
//! payments of invoices and bills; documents become invoices (`ACCREC`) and bills (`ACCPAY`).
//!
//! The mapping, so tests can recompute every bank figure from what the API serves:
//! - the two mirrored rows of a transfer → a bank transfer, i.e. one `SPEND-TRANSFER` in the
//!   paying account and one `RECEIVE-TRANSFER` in the receiving one;
//! - a row that settles a generated invoice (bill) → a payment `ACCRECPAYMENT`
//!   (`ACCPAYPAYMENT`) on it, into (out of) the row's bank account;
//! - any other row → a `RECEIVE` (money in) or `SPEND` bank transaction whose line item is
//!   coded to the row's category account.
//!
//! Books in several currencies (`flowsense_synth::spread_currencies`) give bank accounts in
//! foreign currencies: each keeps the currency of its rows, and a bank transaction in one keeps
//! its amount in that currency with the generator's rate for its month.

use chrono::{DateTime, NaiveDate, Utc};
use flowsense_core::Currency;
use flowsense_core::books::TRANSFER_CATEGORY;
use flowsense_synth::{AccountKind, DocKind, GeneratedBooks, is_income_category};
use std::collections::HashMap;
use std::sync::Arc;

use crate::books_fx::BooksFx;

/// The collections with records of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    BankTransaction,
    Invoice,
    Payment,
}

/// A record's `Status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Authorised,
    /// An invoice or bill paid in full.
    Paid,
    Voided,
    Deleted,
}

impl Status {
    #[must_use]
    pub fn wire(self) -> &'static str {
        match self {
            Status::Authorised => "AUTHORISED",
            Status::Paid => "PAID",
            Status::Voided => "VOIDED",
            Status::Deleted => "DELETED",
        }
    }
}

/// One account of the chart.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub code: String,
    pub name: Arc<str>,
    /// `BANK`, `REVENUE` or `EXPENSE`.
    pub account_type: &'static str,
    /// `BANK`, `CREDITCARD` or `PAYPAL` for a bank account.
    pub bank_type: Option<&'static str>,
    pub opening_minor: i64,
    /// The currency a bank account is kept in (`CurrencyCode`).
    pub currency: Currency,
}

/// A bank transaction, invoice or payment as the fake keeps it.
#[derive(Debug, Clone)]
pub struct Record {
    pub kind: Kind,
    pub id: String,
    pub status: Status,
    /// `RECEIVE`, `SPEND`, `RECEIVE-TRANSFER`, `SPEND-TRANSFER`, `ACCREC`, `ACCPAY`,
    /// `ACCRECPAYMENT` or `ACCPAYPAYMENT`.
    pub txn_type: &'static str,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub date: NaiveDate,
    pub due: Option<NaiveDate>,
    pub paid_on: Option<NaiveDate>,
    pub number: Option<String>,
    /// Index in [`Ledger::accounts`] of the bank account (bank transactions, payments).
    pub account: usize,
    /// Index of the account a line item is coded to.
    pub category: usize,
    /// Positive minor units: the total (amount of a payment).
    pub amount_minor: i64,
    pub party: Arc<str>,
    pub memo: Arc<str>,
    /// Index in [`Ledger::records`] of the invoice a payment settles.
    pub invoice: Option<usize>,
    /// The currency of the amounts (`CurrencyCode`).
    pub currency: Currency,
    /// Hundredths of the base currency per unit of `currency`; `None` in the base currency.
    pub rate_hundredths: Option<i64>,
}

/// A bank transfer: indexes of its `SPEND-TRANSFER` and `RECEIVE-TRANSFER` records.
#[derive(Debug, Clone)]
pub struct Transfer {
    pub id: String,
    pub from: usize,
    pub to: usize,
}

/// Everything one organisation holds.
#[derive(Debug, Clone)]
pub struct Ledger {
    pub currency: Currency,
    pub created: DateTime<Utc>,
    pub accounts: Vec<Account>,
    pub records: Vec<Record>,
    pub transfers: Vec<Transfer>,
    /// Record index by id.
    pub index: HashMap<String, usize>,
}

/// A stable GUID-shaped id from a salt and a counter (splitmix64).
#[must_use]
pub fn guid(salt: u64, n: u64) -> String {
    let mix = |mut z: u64| {
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let a = mix(salt ^ n.rotate_left(17));
    let b = mix(a ^ n);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | ((b >> 48) & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

struct Chart {
    salt: u64,
    home: Currency,
    accounts: Vec<Account>,
    by_name: HashMap<Arc<str>, usize>,
}

impl Chart {
    fn add(&mut self, name: &Arc<str>, kind: &'static str, bank: Option<&'static str>) -> usize {
        if let Some(&i) = self.by_name.get(name) {
            return i;
        }
        let i = self.accounts.len();
        let base = if bank.is_some() { 90 } else { 200 };
        self.accounts.push(Account {
            id: guid(self.salt, 1_000_000 + i as u64),
            code: format!("{:03}", base + i),
            name: name.clone(),
            account_type: kind,
            bank_type: bank,
            opening_minor: 0,
            currency: self.home,
        });
        self.by_name.insert(name.clone(), i);
        i
    }
}

/// Maps the books; `salt` makes the ids of one organisation differ from another's; `now`
/// caps every stamp (a record is stamped at noon of its date).
#[must_use]
pub fn build(books: &GeneratedBooks, salt: u64, now: DateTime<Utc>) -> Ledger {
    let fx = BooksFx::new(books);
    let mut chart = Chart {
        salt,
        home: books.currency,
        accounts: Vec::new(),
        by_name: HashMap::new(),
    };
    for a in &books.accounts {
        let bank = match a.kind {
            AccountKind::CreditCard => "CREDITCARD",
            AccountKind::Clearing => "PAYPAL",
            AccountKind::Checking | AccountKind::Savings => "BANK",
        };
        let i = chart.add(&a.name, "BANK", Some(bank));
        chart.accounts[i].opening_minor = a.opening_balance_minor;
        chart.accounts[i].currency = fx.account(&a.name);
    }
    let sales = chart.add(&Arc::from("Sales"), "REVENUE", None);
    let purchases = chart.add(&Arc::from("Purchases"), "EXPENSE", None);
    let stamp = |d: NaiveDate| now.min(d.and_hms_opt(12, 0, 0).unwrap_or_default().and_utc());
    let mut records: Vec<Record> =
        Vec::with_capacity(books.transactions.len() + books.documents.len());
    let mut next = 0u64;
    let mut id = || {
        next += 1;
        guid(salt, next)
    };
    let mut settles: HashMap<(NaiveDate, Arc<str>, i64), Vec<usize>> = HashMap::new();
    for d in &books.documents {
        let (txn_type, signed, category) = match d.kind {
            DocKind::Invoice => ("ACCREC", d.amount_minor, sales),
            DocKind::Bill => ("ACCPAY", -d.amount_minor, purchases),
        };
        if let Some(paid) = d.paid_date {
            settles
                .entry((paid, d.counterparty.clone(), signed))
                .or_default()
                .push(records.len());
        }
        records.push(Record {
            kind: Kind::Invoice,
            id: id(),
            status: if d.paid_date.is_some() {
                Status::Paid
            } else {
                Status::Authorised
            },
            txn_type,
            created: stamp(d.issue_date),
            updated: stamp(d.paid_date.unwrap_or(d.issue_date)),
            date: d.issue_date,
            due: Some(d.due_date),
            paid_on: d.paid_date,
            number: Some(d.number.clone()),
            account: category,
            category,
            amount_minor: d.amount_minor,
            party: d.counterparty.clone(),
            memo: Arc::from(""),
            invoice: None,
            currency: books.currency,
            rate_hundredths: None,
        });
    }
    let mut transfers = Vec::new();
    let txns = &books.transactions;
    let mut i = 0;
    while i < txns.len() {
        let t = &txns[i];
        let inflow = t.amount_minor > 0;
        let mut r = Record {
            kind: Kind::BankTransaction,
            id: id(),
            status: Status::Authorised,
            txn_type: if inflow { "RECEIVE" } else { "SPEND" },
            created: stamp(t.date),
            updated: stamp(t.date),
            date: t.date,
            due: None,
            paid_on: None,
            number: None,
            account: chart.by_name[&t.account],
            category: 0,
            amount_minor: t.amount_minor.abs(),
            party: t.counterparty.clone(),
            memo: t.description.clone(),
            invoice: None,
            currency: t.currency,
            rate_hundredths: fx.rate(t.currency, t.date),
        };
        let transfer = &*t.category == TRANSFER_CATEGORY;
        let mirror = txns.get(i + 1).filter(|u| {
            transfer
                && &*u.category == TRANSFER_CATEGORY
                && u.date == t.date
                && u.amount_minor == -t.amount_minor
                && u.account == t.counterparty
                && u.counterparty == t.account
        });
        if let Some(u) = mirror {
            r.txn_type = if inflow {
                "RECEIVE-TRANSFER"
            } else {
                "SPEND-TRANSFER"
            };
            r.category = r.account;
            let mut other = r.clone();
            other.id = id();
            other.account = chart.by_name[&u.account];
            other.category = other.account;
            other.txn_type = if inflow {
                "SPEND-TRANSFER"
            } else {
                "RECEIVE-TRANSFER"
            };
            other.party = u.counterparty.clone();
            let first = records.len();
            records.push(r);
            records.push(other);
            let (from, to) = if inflow {
                (first + 1, first)
            } else {
                (first, first + 1)
            };
            transfers.push(Transfer { id: id(), from, to });
            i += 2;
            continue;
        }
        if let Some(doc) = settles
            .get_mut(&(t.date, t.counterparty.clone(), t.amount_minor))
            .and_then(Vec::pop)
        {
            r.kind = Kind::Payment;
            r.txn_type = if inflow {
                "ACCRECPAYMENT"
            } else {
                "ACCPAYPAYMENT"
            };
            r.invoice = Some(doc);
            r.category = records[doc].category;
        } else {
            let income = is_income_category(&t.category) || (inflow && transfer);
            r.category = chart.add(
                &t.category,
                if income { "REVENUE" } else { "EXPENSE" },
                None,
            );
        }
        records.push(r);
        i += 1;
    }
    let index = records
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.clone(), i))
        .collect();
    Ledger {
        currency: books.currency,
        created: now,
        accounts: chart.accounts,
        records,
        transfers,
        index,
    }
}

impl Record {
    /// Signed minor units this record moves in its bank account; nothing unless it is live.
    #[must_use]
    pub fn bank_effect(&self) -> Option<(usize, i64)> {
        if self.status != Status::Authorised || self.kind == Kind::Invoice {
            return None;
        }
        let inflow = self.txn_type.starts_with("RECEIVE") || self.txn_type == "ACCRECPAYMENT";
        Some((
            self.account,
            if inflow {
                self.amount_minor
            } else {
                -self.amount_minor
            },
        ))
    }
}

impl Ledger {
    /// Each account's balance now: opening balance plus every live record's effect.
    #[must_use]
    pub fn balances(&self) -> Vec<i64> {
        let mut out: Vec<i64> = self.accounts.iter().map(|a| a.opening_minor).collect();
        for (account, minor) in self.records.iter().filter_map(Record::bank_effect) {
            out[account] += minor;
        }
        out
    }
}

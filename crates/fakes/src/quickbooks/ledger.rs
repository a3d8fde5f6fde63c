//! The generator's books as QuickBooks Online entities: bank lines become Purchases, Deposits,
//! Transfers, JournalEntries, Payments and BillPayments; documents become Invoices and Bills.
//!
//! The mapping, so tests can recompute every bank figure from what the API serves:
//! - the two mirrored rows of a transfer → one `Transfer` (from the paying account);
//! - a row that settles a generated invoice (bill) → a `Payment` (`BillPayment`) linked to it;
//! - `Bank Fees` and `Interest Income` rows → a `JournalEntry` against the bank account;
//! - other money in → a `Deposit`, or a card refund (`Purchase` with `Credit: true`) on a card;
//! - other money out → a `Purchase` (`CreditCard` on a card account, else `Cash`).
//!
//! Books in several currencies (`flowsense_synth::spread_currencies`) make a multicurrency
//! company: each account keeps the currency of its rows, and a transaction in a foreign
//! currency keeps its amount in that currency with the generator's rate for its month.

use chrono::{DateTime, NaiveDate, Utc};
use flowsense_core::Currency;
use flowsense_core::books::TRANSFER_CATEGORY;
use flowsense_synth::{AccountKind, DocKind, GeneratedBooks, is_income_category};
use std::collections::HashMap;
use std::sync::Arc;

use crate::books_fx::BooksFx;

/// The entity types the fake serves (the names are the API's own).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Account,
    Purchase,
    Deposit,
    Transfer,
    JournalEntry,
    Invoice,
    Bill,
    Payment,
    BillPayment,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::Account,
        Kind::Purchase,
        Kind::Deposit,
        Kind::Transfer,
        Kind::JournalEntry,
        Kind::Invoice,
        Kind::Bill,
        Kind::Payment,
        Kind::BillPayment,
    ];

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Kind::Account => "Account",
            Kind::Purchase => "Purchase",
            Kind::Deposit => "Deposit",
            Kind::Transfer => "Transfer",
            Kind::JournalEntry => "JournalEntry",
            Kind::Invoice => "Invoice",
            Kind::Bill => "Bill",
            Kind::Payment => "Payment",
            Kind::BillPayment => "BillPayment",
        }
    }

    /// Entity names are case-insensitive in the query language.
    #[must_use]
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(name))
    }
}

/// Whether an entity is live, voided (kept, amounts zeroed) or deleted (gone from queries).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Active,
    Voided,
    Deleted,
}

/// One entity as the fake keeps it; rendered to the wire format on each read.
#[derive(Debug, Clone)]
pub struct Entity {
    pub kind: Kind,
    pub id: u64,
    pub sync_token: u32,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub status: Status,
    pub date: NaiveDate,
    pub due: Option<NaiveDate>,
    pub doc_number: Option<String>,
    /// The bank or card account (Account: unused; Transfer: the `FromAccountRef`).
    pub account: u64,
    /// The other side: a category account, or the Transfer's `ToAccountRef`.
    pub other: u64,
    /// Positive minor units (TotalAmt / Amount).
    pub amount_minor: i64,
    /// Open balance of an Invoice or Bill.
    pub balance_minor: i64,
    /// Signed effect on `account` for a JournalEntry (Debit when positive); Purchase `Credit`.
    pub inflow: bool,
    pub party: Arc<str>,
    /// The Customer or Vendor id of `party`.
    pub party_id: u64,
    pub memo: Arc<str>,
    /// The Invoice or Bill a Payment or BillPayment settles.
    pub linked: Option<u64>,
    /// The currency of the amounts (`CurrencyRef`).
    pub currency: Currency,
    /// Hundredths of the home currency per unit of `currency` (`ExchangeRate`); `None` in the
    /// home currency.
    pub rate_hundredths: Option<i64>,
}

/// One account of the chart (bank, card, or a category).
#[derive(Debug, Clone)]
pub struct Account {
    pub id: u64,
    pub name: Arc<str>,
    pub account_type: &'static str,
    pub classification: &'static str,
    pub opening_minor: i64,
    /// The currency the account is kept in (`CurrencyRef`).
    pub currency: Currency,
}

/// Everything a realm holds.
#[derive(Debug, Clone)]
pub struct Ledger {
    /// The company's name (`CompanyInfo.CompanyName`): the generated business's.
    pub company_name: String,
    /// The home currency.
    pub currency: Currency,
    /// Whether multicurrency is on: some account is kept in another currency than the home
    /// one. Then every transaction carries an `ExchangeRate` (1 in the home currency).
    pub multicurrency: bool,
    /// When the realm was set up (the accounts' `MetaData`).
    pub created: DateTime<Utc>,
    pub accounts: Vec<Account>,
    /// Transactions and documents, by id (ids are unique across kinds, as in QBO).
    pub entities: Vec<Entity>,
}

const JOURNAL_CATEGORIES: [&str; 2] = ["Bank Fees", "Interest Income"];

struct Builder {
    home: Currency,
    accounts: Vec<Account>,
    by_name: HashMap<Arc<str>, u64>,
    next_id: u64,
}

impl Builder {
    fn account(&mut self, name: &Arc<str>, account_type: &'static str, class: &'static str) -> u64 {
        if let Some(&id) = self.by_name.get(name) {
            return id;
        }
        self.next_id += 1;
        let id = self.next_id;
        self.accounts.push(Account {
            id,
            name: name.clone(),
            account_type,
            classification: class,
            opening_minor: 0,
            currency: self.home,
        });
        self.by_name.insert(name.clone(), id);
        id
    }

    fn category(&mut self, name: &Arc<str>, inflow: bool) -> u64 {
        if is_income_category(name) || (inflow && !is_expense(name)) {
            self.account(name, "Income", "Revenue")
        } else {
            self.account(name, "Expense", "Expense")
        }
    }
}

fn is_expense(name: &str) -> bool {
    !is_income_category(name) && name != TRANSFER_CATEGORY && !name.is_empty()
}

/// Maps the books; `created` stamps every entity's `MetaData` (capped at the transaction date's
/// noon, so nothing is created before it happened).
#[must_use]
pub fn build(books: &GeneratedBooks, now: DateTime<Utc>) -> Ledger {
    let fx = BooksFx::new(books);
    let mut b = Builder {
        home: books.currency,
        accounts: Vec::new(),
        by_name: HashMap::new(),
        next_id: 0,
    };
    for a in &books.accounts {
        let (t, c) = match a.kind {
            AccountKind::CreditCard => ("Credit Card", "Liability"),
            AccountKind::Clearing => ("Other Current Asset", "Asset"),
            AccountKind::Checking | AccountKind::Savings => ("Bank", "Asset"),
        };
        let id = b.account(&a.name, t, c);
        let account = &mut b.accounts[usize::try_from(id - 1).unwrap_or(0)];
        account.opening_minor = a.opening_balance_minor;
        account.currency = fx.account(&a.name);
    }
    let ar = b.account(
        &Arc::from("Accounts Receivable (A/R)"),
        "Accounts Receivable",
        "Asset",
    );
    let ap = b.account(
        &Arc::from("Accounts Payable (A/P)"),
        "Accounts Payable",
        "Liability",
    );
    let unmatched = b.account(&Arc::from("Unmatched Transfers"), "Equity", "Equity");
    let uncategorized = b.account(&Arc::from("Uncategorized Expense"), "Expense", "Expense");
    let card: Vec<bool> = books
        .accounts
        .iter()
        .map(|a| a.kind == AccountKind::CreditCard)
        .collect();
    let stamp = |d: NaiveDate| now.min(d.and_hms_opt(12, 0, 0).unwrap_or_default().and_utc());
    let mut entities = Vec::with_capacity(books.transactions.len() + books.documents.len());
    let mut next_id = 1000u64;
    let mut id = || {
        next_id += 1;
        next_id
    };
    let mut parties: HashMap<Arc<str>, u64> = HashMap::new();
    let mut party_id = |name: &Arc<str>| {
        let next = 1 + parties.len() as u64;
        *parties.entry(name.clone()).or_insert(next)
    };
    // Documents first, so payments can link to them.
    let mut settles: HashMap<(NaiveDate, Arc<str>, i64), Vec<u64>> = HashMap::new();
    for d in &books.documents {
        let eid = id();
        let (kind, other, signed) = match d.kind {
            DocKind::Invoice => (Kind::Invoice, ar, d.amount_minor),
            DocKind::Bill => (Kind::Bill, ap, -d.amount_minor),
        };
        if let Some(paid) = d.paid_date {
            settles
                .entry((paid, d.counterparty.clone(), signed))
                .or_default()
                .push(eid);
        }
        entities.push(Entity {
            kind,
            id: eid,
            sync_token: 0,
            created: stamp(d.issue_date),
            updated: stamp(d.issue_date),
            status: Status::Active,
            date: d.issue_date,
            due: Some(d.due_date),
            doc_number: Some(d.number.clone()),
            account: other,
            other: if d.kind == DocKind::Bill {
                uncategorized
            } else {
                ar
            },
            amount_minor: d.amount_minor,
            balance_minor: if d.paid_date.is_some() {
                0
            } else {
                d.amount_minor
            },
            inflow: d.kind == DocKind::Invoice,
            party: d.counterparty.clone(),
            party_id: party_id(&d.counterparty),
            memo: Arc::from(""),
            linked: None,
            currency: books.currency,
            rate_hundredths: None,
        });
    }
    let txns = &books.transactions;
    let mut i = 0;
    while i < txns.len() {
        let t = &txns[i];
        let account = b.by_name[&t.account];
        let on_card = books
            .accounts
            .iter()
            .position(|a| a.name == t.account)
            .is_some_and(|p| card[p]);
        let inflow = t.amount_minor > 0;
        let mut e = Entity {
            kind: Kind::Purchase,
            id: id(),
            sync_token: 0,
            created: stamp(t.date),
            updated: stamp(t.date),
            status: Status::Active,
            date: t.date,
            due: None,
            doc_number: None,
            account,
            other: 0,
            amount_minor: t.amount_minor.abs(),
            balance_minor: 0,
            inflow,
            party: t.counterparty.clone(),
            party_id: party_id(&t.counterparty),
            memo: t.description.clone(),
            linked: None,
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
            let to = b.by_name[&u.account];
            e.kind = Kind::Transfer;
            (e.account, e.other) = if inflow { (to, account) } else { (account, to) };
            i += 1;
        } else if transfer {
            e.other = unmatched;
            e.kind = if inflow {
                Kind::Deposit
            } else {
                Kind::Purchase
            };
        } else if let Some(doc) = settles
            .get_mut(&(t.date, t.counterparty.clone(), t.amount_minor))
            .and_then(Vec::pop)
        {
            e.kind = if inflow {
                Kind::Payment
            } else {
                Kind::BillPayment
            };
            e.other = if inflow { ar } else { ap };
            e.linked = Some(doc);
        } else {
            e.other = b.category(&t.category, inflow);
            e.kind = if JOURNAL_CATEGORIES.contains(&&*t.category) {
                Kind::JournalEntry
            } else if inflow && !on_card {
                Kind::Deposit
            } else {
                Kind::Purchase
            };
        }
        entities.push(e);
        i += 1;
    }
    Ledger {
        company_name: books.business_name.clone(),
        currency: books.currency,
        multicurrency: fx.is_multicurrency(),
        created: now,
        accounts: b.accounts,
        entities,
    }
}

impl Entity {
    /// What this entity does to the balances of bank and card accounts: `(account, signed
    /// minor units)`, money in positive. Nothing once voided or deleted.
    #[must_use]
    pub fn bank_effects(&self) -> Vec<(u64, i64)> {
        if self.status != Status::Active {
            return Vec::new();
        }
        let a = self.amount_minor;
        let signed = if self.inflow { a } else { -a };
        match self.kind {
            Kind::Transfer => vec![(self.account, -a), (self.other, a)],
            Kind::Purchase
            | Kind::JournalEntry
            | Kind::Deposit
            | Kind::Payment
            | Kind::BillPayment => {
                vec![(self.account, signed)]
            }
            Kind::Account | Kind::Invoice | Kind::Bill => Vec::new(),
        }
    }
}

impl Ledger {
    /// Each account's balance now: opening balance plus every live entity's effect.
    #[must_use]
    pub fn balances(&self) -> HashMap<u64, i64> {
        let mut out: HashMap<u64, i64> = self
            .accounts
            .iter()
            .map(|a| (a.id, a.opening_minor))
            .collect();
        for e in &self.entities {
            for (account, minor) in e.bank_effects() {
                *out.entry(account).or_default() += minor;
            }
        }
        out
    }
}

//! Small helpers to build books by hand.

use chrono::NaiveDate;
use flowsense_core::books::MonthlyRollup;
use flowsense_core::{Books, Currency, DocKind, Document};

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
}

pub struct Builder {
    pub books: Books,
    next_id: i64,
}

impl Builder {
    pub fn new() -> Self {
        Self {
            books: Books::new(Currency::USD),
            next_id: 1,
        }
    }

    /// Adds a transaction on the "Operating" account and returns its id.
    pub fn txn(&mut self, date: NaiveDate, amount: i64, category: &str, counterparty: &str) -> i64 {
        self.txn_on(date, amount, "Operating", category, counterparty, false)
    }

    pub fn txn_on(
        &mut self,
        date: NaiveDate,
        amount: i64,
        account: &str,
        category: &str,
        counterparty: &str,
        transfer: bool,
    ) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        self.books
            .push_txn(id, date, amount, account, category, counterparty, transfer);
        id
    }

    pub fn opening(&mut self, account: &str, amount: i64) {
        let id = self.books.accounts.intern(account) as usize;
        if self.books.opening_balances.len() <= id {
            self.books.opening_balances.resize(id + 1, 0);
        }
        self.books.opening_balances[id] = amount;
    }

    pub fn doc(
        &mut self,
        kind: DocKind,
        counterparty: &str,
        issued: NaiveDate,
        due: NaiveDate,
        paid: Option<NaiveDate>,
        amount: i64,
    ) {
        let counterparty = self.books.counterparties.intern(counterparty);
        let number = format!("D-{}", self.books.documents.len() + 1);
        self.books.documents.push(Document {
            kind,
            number,
            counterparty,
            issued,
            due,
            paid,
            amount,
        });
    }

    pub fn rollup(&mut self, month: NaiveDate, category: &str, inflow: i64, outflow: i64) {
        let category = self.books.categories.intern(category);
        self.books.rollups.push(MonthlyRollup {
            month,
            category,
            inflow,
            outflow,
            count: 1,
        });
    }
}

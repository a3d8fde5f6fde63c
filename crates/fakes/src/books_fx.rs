//! The currencies of generated books as the accounting fakes serve them: each account holds
//! the currency of its transactions (the books' own when it has none), and a transaction in a
//! foreign currency carries the generator's rate for its month (see
//! `flowsense_synth::spread_currencies`: whole foreign units, rates with two decimals).

use chrono::{Datelike, NaiveDate};
use flowsense_core::Currency;
use flowsense_synth::GeneratedBooks;
use std::collections::HashMap;
use std::sync::Arc;

/// What the fakes need to know of the books' currencies.
pub(crate) struct BooksFx {
    home: Currency,
    accounts: HashMap<Arc<str>, Currency>,
    /// Hundredths of the home currency per unit, by (year, month, currency).
    rates: HashMap<(i32, u32, Currency), i64>,
}

impl BooksFx {
    pub fn new(books: &GeneratedBooks) -> Self {
        let mut accounts = HashMap::new();
        for t in &books.transactions {
            accounts.entry(t.account.clone()).or_insert(t.currency);
        }
        let rates = books
            .rates
            .iter()
            .filter(|r| r.to == books.currency)
            .map(|r| ((r.date.year(), r.date.month(), r.from), r.hundredths))
            .collect();
        Self {
            home: books.currency,
            accounts,
            rates,
        }
    }

    /// The currency account `name` holds.
    pub fn account(&self, name: &str) -> Currency {
        self.accounts.get(name).copied().unwrap_or(self.home)
    }

    /// Hundredths of the home currency one unit of `currency` bought in `date`'s month; `None`
    /// for the home currency, or when the books carry no rate for that month (the generator
    /// always does).
    pub fn rate(&self, currency: Currency, date: NaiveDate) -> Option<i64> {
        if currency == self.home {
            return None;
        }
        self.rates
            .get(&(date.year(), date.month(), currency))
            .copied()
    }

    /// Whether any account holds another currency than the home one.
    pub fn is_multicurrency(&self) -> bool {
        self.accounts.values().any(|c| *c != self.home)
    }
}

/// Hundredths as a JSON number (`108` → `1.08`), exact in its shortest form.
pub(crate) fn hundredths_number(hundredths: i64) -> serde_json::Value {
    #[expect(clippy::cast_precision_loss, reason = "rates stay far below 2^53")]
    let v = hundredths as f64 / 100.0;
    serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, serde_json::Value::Number)
}

//! Books of an exact size that end on a chosen day: what `flowsense gen` and the demo write.

use crate::config::{GenConfig, GenError};
use crate::generate::generate;
use crate::model::GeneratedBooks;
use chrono::{Days, Months, NaiveDate};
use std::collections::HashMap;

/// How many times the size is re-planned when a draw falls short of the wanted count.
const ATTEMPTS: u32 = 8;

/// Generates exactly `config.transactions` bank lines, the last of them dated `end` at the
/// latest (nothing after it), for the months `config` asks for or derives.
///
/// The generator plans a business of about the wanted size; this asks for a little more and
/// drops the earliest lines, folding their amounts into the accounts' opening balances, so
/// every balance from the new first day on is what the full books say. Invoices and bills
/// settled before that day go with them. `config.start` is ignored; the truth still
/// describes the books before the cut, so planted items dated before the first kept line
/// are not in the lines written.
///
/// # Errors
/// When the config asks for an impossible period or size.
pub fn generate_ending(config: &GenConfig, end: NaiveDate) -> Result<GeneratedBooks, GenError> {
    let wanted = config.transactions;
    let months = config.effective_months();
    let after_end = end
        .checked_add_days(Days::new(1))
        .ok_or(GenError::BadStart)?;
    let start = after_end
        .checked_sub_months(Months::new(months))
        .ok_or(GenError::BadStart)?;
    let mut planned = wanted + wanted / 20 + 1;
    for _ in 0..ATTEMPTS {
        let attempt = GenConfig {
            transactions: planned.min(crate::MAX_TRANSACTIONS),
            start,
            months: Some(months),
            ..config.clone()
        };
        let mut books = generate(&attempt)?;
        let got = books.transactions.len();
        if got >= wanted {
            keep_last(&mut books, wanted);
            return Ok(books);
        }
        if planned >= crate::MAX_TRANSACTIONS {
            break;
        }
        // Scale the plan by the shortfall, with a margin so the next draw is enough.
        planned = planned.saturating_mul(wanted).div_ceil(got.max(1)) + wanted / 20 + 1;
    }
    Err(GenError::BadTransactions(wanted))
}

/// Keeps the last `n` lines; the dropped ones become part of the opening balances.
fn keep_last(books: &mut GeneratedBooks, n: usize) {
    let cut = books.transactions.len() - n;
    if cut == 0 {
        return;
    }
    let mut folded: HashMap<&str, i64> = HashMap::new();
    for t in &books.transactions[..cut] {
        *folded.entry(&*t.account).or_default() += t.amount_minor;
    }
    for account in &mut books.accounts {
        account.opening_balance_minor += folded.get(&*account.name).copied().unwrap_or(0);
    }
    books.transactions.drain(..cut);
    let first = books.transactions.first().map_or(books.end, |t| t.date);
    books.start = first;
    books
        .documents
        .retain(|d| d.paid_date.is_none_or(|paid| paid >= first));
}

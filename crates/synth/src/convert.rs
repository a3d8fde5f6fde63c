//! The generated books as the analytics engine's [`Books`].

use crate::model::GeneratedBooks;
use flowsense_core::books::TRANSFER_CATEGORY;
use flowsense_core::{Books, Document};

/// Converts to the engine's books: `Txn.id` is the 1-based row index, transfers are the
/// rows whose category is `Transfer`, accounts are interned in `books.accounts` order.
#[must_use]
pub fn to_books(generated: &GeneratedBooks) -> Books {
    let mut books = Books::new(generated.currency);
    for account in &generated.accounts {
        books.accounts.intern(&account.name);
        books.opening_balances.push(account.opening_balance_minor);
    }
    books.txns.reserve(generated.transactions.len());
    for (row, t) in (1i64..).zip(&generated.transactions) {
        books.push_txn(
            row,
            t.date,
            t.amount_minor,
            &t.account,
            &t.category,
            &t.counterparty,
            &*t.category == TRANSFER_CATEGORY,
        );
    }
    for d in &generated.documents {
        let counterparty = books.counterparties.intern(&d.counterparty);
        books.documents.push(Document {
            kind: d.kind,
            number: d.number.clone(),
            counterparty,
            issued: d.issue_date,
            due: d.due_date,
            paid: d.paid_date,
            amount: d.amount_minor,
        });
    }
    books
}

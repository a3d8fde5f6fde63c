//! A plan's history limit as the engine sees it ([`Books::hide_before`]): the months before the
//! first day shown leave every figure, while the cash on every day shown stays what it was.

use super::books_builder::d;
use super::synthetic::seasonal_books;
use flowsense_core::Books;
use flowsense_core::analytics::{Period, cash_at, cashflow};

#[test]
fn hidden_months_leave_the_figures_and_keep_the_balances() {
    let (books, _) = seasonal_books(5);
    let start = d(2024, 7, 1);
    let mut shown: Books = books.clone();
    shown.hide_before(start);

    assert!(shown.txns.iter().all(|t| t.date >= start));
    assert_eq!(
        shown.txns.len(),
        books.txns.iter().filter(|t| t.date >= start).count()
    );
    for day in [start, d(2024, 12, 24), d(2025, 6, 30)] {
        assert_eq!(cash_at(&shown, day), cash_at(&books, day), "{day}");
    }
    let all = cashflow(&books, None, None, Period::Month);
    let limited = cashflow(&shown, None, None, Period::Month);
    assert!(limited.from.is_some_and(|f| f >= start));
    assert!(limited.periods.iter().all(|p| p.start >= start));
    let kept: Vec<_> = all.periods.iter().filter(|p| p.start >= start).collect();
    assert_eq!(limited.periods.len(), kept.len());
    for (a, b) in limited.periods.iter().zip(kept) {
        assert_eq!((a.start, a.flow), (b.start, b.flow));
    }
    assert!(
        shown
            .documents
            .iter()
            .all(|doc| doc.issued >= start || doc.paid.is_none_or(|p| p >= start))
    );
}

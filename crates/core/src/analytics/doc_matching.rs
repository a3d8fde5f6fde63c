//! Invoices and bills seen from a given day: which are open, how late each customer pays,
//! and which bank transactions settled a document.

use super::dates::days_between;
use super::stats::median_i64;
use crate::{Books, DocKind, Document};
use chrono::NaiveDate;
use std::collections::{HashMap, HashSet};

/// How far a payment may sit from the recorded paid date and still settle the document.
const MATCH_WINDOW_DAYS: i64 = 5;

/// Issued on or before `as_of` and not yet paid on that day.
pub(crate) fn is_open(doc: &Document, as_of: NaiveDate) -> bool {
    doc.issued <= as_of && doc.paid.is_none_or(|paid| paid > as_of)
}

/// Days late of each document of `kind` paid on or before `as_of`, by counterparty.
pub(crate) fn days_late_by_counterparty(
    books: &Books,
    kind: DocKind,
    as_of: NaiveDate,
) -> HashMap<u32, Vec<i64>> {
    let mut late: HashMap<u32, Vec<i64>> = HashMap::new();
    for doc in &books.documents {
        if let Some(paid) = doc.paid.filter(|&p| doc.kind == kind && p <= as_of) {
            late.entry(doc.counterparty)
                .or_default()
                .push(days_between(doc.due, paid));
        }
    }
    late
}

/// Median days late per counterparty (from paid documents), and over everyone.
pub(crate) fn median_days_late(
    books: &Books,
    kind: DocKind,
    as_of: NaiveDate,
) -> (HashMap<u32, i64>, i64) {
    let late = days_late_by_counterparty(books, kind, as_of);
    let all: Vec<i64> = late.values().flatten().copied().collect();
    let overall = median_i64(&all).unwrap_or(0);
    let per = late
        .into_iter()
        .filter_map(|(cp, days)| median_i64(&days).map(|m| (cp, m)))
        .collect();
    (per, overall)
}

/// Sorted days from issue to payment of documents of `kind` paid on or before `as_of`.
pub(crate) fn payment_lags(books: &Books, kind: DocKind, as_of: NaiveDate) -> Vec<i64> {
    let mut lags: Vec<i64> = books
        .documents
        .iter()
        .filter(|d| d.kind == kind)
        .filter_map(|d| {
            d.paid
                .filter(|&p| p <= as_of)
                .map(|p| days_between(d.issued, p))
        })
        .map(|lag| lag.max(0))
        .collect();
    lags.sort_unstable();
    lags
}

/// Ids of transactions that settle a paid document: same counterparty, the document's amount
/// with the right sign, within a few days of its paid date. Each document settles at most one.
pub(crate) fn document_payment_ids(books: &Books) -> HashSet<i64> {
    let mut expected: HashMap<(u32, i64), Vec<NaiveDate>> = HashMap::new();
    for doc in &books.documents {
        if let Some(paid) = doc.paid {
            let signed = match doc.kind {
                DocKind::Invoice => doc.amount,
                DocKind::Bill => doc.amount.saturating_neg(),
            };
            expected
                .entry((doc.counterparty, signed))
                .or_default()
                .push(paid);
        }
    }
    let mut ids = HashSet::new();
    if expected.is_empty() {
        return ids;
    }
    let mut txns: Vec<_> = books.txns.iter().filter(|t| !t.transfer).collect();
    txns.sort_by_key(|t| (t.date, t.id));
    for t in txns {
        if let Some(dates) = expected.get_mut(&(t.counterparty, t.amount))
            && let Some(pos) = dates
                .iter()
                .position(|&d| days_between(d, t.date).abs() <= MATCH_WINDOW_DAYS)
        {
            dates.swap_remove(pos);
            ids.insert(t.id);
        }
    }
    ids
}

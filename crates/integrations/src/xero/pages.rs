//! Xero's answers as [`Tenant`](super::Tenant) reads them: the chart of accounts and the
//! pages of bank transactions, invoices and payments, from their bytes (no I/O: the fuzz
//! targets read them too).

use super::error::XeroError;
use super::model::{self, Chart};
use super::wire;
use chrono::{DateTime, Utc};
use flowsense_core::Currency;
use flowsense_core::synced::BookChange;
use serde_json::Value;

/// Rows per page: the API's maximum.
pub const PAGE_SIZE: usize = 1000;

/// The collections a read covers, in the order it reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Collection {
    Accounts,
    BankTransactions,
    Invoices,
    Payments,
}

impl Collection {
    pub const ALL: [Collection; 4] = [
        Collection::Accounts,
        Collection::BankTransactions,
        Collection::Invoices,
        Collection::Payments,
    ];

    /// The API's name (and path) of the collection.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Collection::Accounts => "Accounts",
            Collection::BankTransactions => "BankTransactions",
            Collection::Invoices => "Invoices",
            Collection::Payments => "Payments",
        }
    }
}

/// What a read did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReadSummary {
    /// Requests made (retries of one request not counted).
    pub requests: usize,
    /// The newest `UpdatedDateUTC` among the records read, but never later than the instant
    /// the read began (the first answer's `DateTimeUTC`), so a record edited while a later
    /// collection was being read is not skipped: the next read's `since`.
    pub newest_update: Option<DateTime<Utc>>,
}

impl ReadSummary {
    pub(crate) fn saw(&mut self, t: Option<DateTime<Utc>>) {
        if t > self.newest_update {
            self.newest_update = t;
        }
    }
}

fn json(body: &[u8]) -> Result<Value, XeroError> {
    serde_json::from_slice(body).map_err(|e| XeroError::Decode(format!("JSON answer: {e}")))
}

/// The chart of accounts from an `/Accounts` answer, as `Tenant::read_chart` reads it;
/// amounts without a currency code are in `home`.
///
/// # Errors
/// [`XeroError::Decode`] for an answer that is not JSON or a row that is not an account.
pub fn parse_chart(
    body: &[u8],
    home: Currency,
) -> Result<(ChartOfAccounts, Vec<BookChange>), XeroError> {
    let mut body = json(body)?;
    let began = body
        .get("DateTimeUTC")
        .and_then(Value::as_str)
        .and_then(model::parse_xero_date);
    let rows = take_rows(&mut body, Collection::Accounts)?;
    let mut chart = Chart {
        home,
        names_by_code: std::collections::HashMap::new(),
        money_accounts: std::collections::HashSet::new(),
    };
    let mut changes = Vec::new();
    for row in rows {
        let a: wire::Account =
            serde_json::from_value(row).map_err(|e| XeroError::Decode(format!("Accounts: {e}")))?;
        if let Some(money_account) = model::account(&a, home)? {
            chart
                .money_accounts
                .insert(money_account.provider_id.clone());
            changes.push(BookChange::Account(money_account));
        }
        if let Some(code) = a.code {
            chart.names_by_code.insert(code, a.name);
        }
    }
    Ok((ChartOfAccounts { chart, began }, changes))
}

/// Page `number` of a paged `collection` from its answer, mapped with `chart`, as
/// `Tenant::read_page` reads it.
///
/// # Errors
/// [`XeroError::Decode`] for an answer that is not JSON or a row the collection does not
/// hold; what mapping a row refuses.
pub fn parse_page(
    body: &[u8],
    collection: Collection,
    number: usize,
    chart: &ChartOfAccounts,
) -> Result<PageRead, XeroError> {
    let mut body = json(body)?;
    let pagination: wire::Pagination = body
        .get("pagination")
        .cloned()
        .map(serde_json::from_value)
        .transpose()
        .map_err(|e| XeroError::Decode(format!("pagination: {e}")))?
        .unwrap_or_default();
    let rows = take_rows(&mut body, collection)?;
    let n = rows.len();
    let mut summary = ReadSummary::default();
    let mut changes = Vec::with_capacity(n);
    for row in rows {
        if let Some(change) = map_row(collection, row, &chart.chart, &mut summary)? {
            changes.push(change);
        }
    }
    let last = pagination
        .page_count
        .is_some_and(|count| number as u64 >= count);
    Ok(PageRead {
        changes,
        more: n >= PAGE_SIZE && !last,
        newest_update: summary.newest_update,
    })
}

/// What a read of the chart learned: the names and money accounts the other collections are
/// mapped with, and when Xero says the read began.
pub struct ChartOfAccounts {
    pub(crate) chart: Chart,
    /// The answer's `DateTimeUTC`: Xero's clock when the read began.
    pub began: Option<DateTime<Utc>>,
}

/// One page of a collection.
#[derive(Debug)]
pub struct PageRead {
    pub changes: Vec<BookChange>,
    /// Whether a next page may hold more.
    pub more: bool,
    /// The newest `UpdatedDateUTC` on this page.
    pub newest_update: Option<DateTime<Utc>>,
}

fn take_rows(body: &mut Value, collection: Collection) -> Result<Vec<Value>, XeroError> {
    match body.get_mut(collection.name()).map(Value::take) {
        Some(Value::Array(rows)) => Ok(rows),
        Some(Value::Null) | None => Ok(Vec::new()),
        Some(_) => Err(XeroError::Decode(format!(
            "{} is not a list",
            collection.name()
        ))),
    }
}

fn map_row(
    collection: Collection,
    row: Value,
    chart: &Chart,
    summary: &mut ReadSummary,
) -> Result<Option<BookChange>, XeroError> {
    let bad = |e: serde_json::Error| XeroError::Decode(format!("{}: {e}", collection.name()));
    match collection {
        Collection::BankTransactions => {
            let t: wire::BankTransaction = serde_json::from_value(row).map_err(bad)?;
            summary.saw(model::updated(t.updated.as_ref()));
            model::bank_transaction(t, chart).map(Some)
        }
        Collection::Invoices => {
            let i: wire::Invoice = serde_json::from_value(row).map_err(bad)?;
            summary.saw(model::updated(i.updated.as_ref()));
            model::invoice(i, chart)
        }
        Collection::Payments => {
            let p: wire::Payment = serde_json::from_value(row).map_err(bad)?;
            summary.saw(model::updated(p.updated.as_ref()));
            model::payment(p, chart).map(Some)
        }
        Collection::Accounts => Ok(None),
    }
}

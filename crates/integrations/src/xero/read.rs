//! Reads of one tenant: the chart of accounts, then bank transactions, invoices and payments,
//! a page at a time, as [`BookChange`]s.
//!
//! Paging (Xero-OpenAPI `xero_accounting.yaml` parameters `page` and `pageSize`; APIS.md §2.3):
//! `page` is 1-based and `pageSize` at most 1,000, and each answer carries
//! `pagination.pageCount`, so `n` rows take `⌈n / 1000⌉` requests (one when there are none) —
//! the least this paging allows. `order=UpdatedDateUTC ASC` keeps pages as stable as page
//! numbers can be while the books change: a record edited mid-read moves to the end, where this
//! read or the next picks it up (deletion and voiding are edits too, so nothing leaves the
//! list); what remains is that the edit shifts later records back by one place, so one of them
//! can slip into a page already read and be missed until the next full read (`since: None`).
//! `If-Modified-Since` (accurate to the second) makes a read incremental, and the newest
//! `UpdatedDateUTC` seen is the next read's cursor. The chart (`/Accounts`, unpaged) is read
//! whole every time: one request, and it names the categories of line items.
//!
//! Not read: `/BankTransfers`, because each transfer is also the two `SPEND-TRANSFER` and
//! `RECEIVE-TRANSFER` bank transactions read here (a transfer has no `Status` or
//! `UpdatedDateUTC`, so its deletion would only show there); `/ManualJournals`, because
//! Xero refuses manual journals on bank accounts ("You can't post a manual journal to a bank
//! account in Xero", help.xero.com `Q_JournalBankAcc`): no journal line ever moves cash, so
//! reading them would cost requests and the `accounting.manualjournals.read` scope for nothing.

use super::error::XeroError;
use super::http::ReadHeaders;
use super::model::{self, Chart};
use super::{Xero, wire};
use chrono::{DateTime, Utc};
use flowsense_core::Currency;
use flowsense_core::synced::BookChange;
use reqwest::Url;
use secrecy::SecretString;
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
    fn saw(&mut self, t: Option<DateTime<Utc>>) {
        if t > self.newest_update {
            self.newest_update = t;
        }
    }
}

/// One organisation, read with one access token. It has no method that writes.
pub struct Tenant<'a> {
    xero: &'a Xero,
    tenant_id: String,
    access_token: &'a SecretString,
    home: Currency,
}

impl Xero {
    /// Reads of the tenant `tenant_id` (a [`Connection::tenant_id`](super::Connection)) with
    /// `access_token`; amounts without a currency code are in `home`, its base currency.
    #[must_use]
    pub fn tenant<'a>(
        &'a self,
        tenant_id: &str,
        access_token: &'a SecretString,
        home: Currency,
    ) -> Tenant<'a> {
        Tenant {
            xero: self,
            tenant_id: tenant_id.to_owned(),
            access_token,
            home,
        }
    }
}

impl Tenant<'_> {
    fn url(&self, collection: Collection, page: Option<usize>) -> Result<Url, XeroError> {
        let mut url = self.xero.config.endpoints.api_base.clone();
        url.path_segments_mut()
            .map_err(|()| XeroError::Url("the API base cannot hold a path".into()))?
            .pop_if_empty()
            .push(collection.name());
        if let Some(page) = page {
            url.query_pairs_mut()
                .append_pair("page", &page.to_string())
                .append_pair("pageSize", &PAGE_SIZE.to_string())
                .append_pair("order", "UpdatedDateUTC ASC");
        }
        Ok(url)
    }

    async fn get(&self, url: &Url, since: Option<DateTime<Utc>>) -> Result<Vec<u8>, XeroError> {
        let headers = ReadHeaders {
            tenant: Some(&self.tenant_id),
            modified_since: since,
        };
        let answer = self
            .xero
            .transport
            .read(url, self.access_token, headers)
            .await?;
        Ok(answer.body)
    }

    /// Everything that changed at or after `since` (Xero compares to the second; everything,
    /// without one), handed to `page` a page at a time: the bank accounts first (all of them,
    /// every time), then bank transactions, invoices and bills, and payments.
    ///
    /// # Errors
    /// What [`XeroError`] lists; a failed page ends the read (pages already handed over stay
    /// handed over, and the summary is lost: read again from the same `since`).
    pub async fn read_changes(
        &self,
        since: Option<DateTime<Utc>>,
        mut page: impl FnMut(Vec<BookChange>),
    ) -> Result<ReadSummary, XeroError> {
        let mut summary = ReadSummary::default();
        let (chart, accounts) = self.read_chart().await?;
        summary.requests += 1;
        if !accounts.is_empty() {
            page(accounts);
        }
        for collection in &Collection::ALL[1..] {
            let mut number = 1;
            loop {
                let read = self.read_page(*collection, since, number, &chart).await?;
                summary.requests += 1;
                summary.saw(read.newest_update);
                if !read.changes.is_empty() {
                    page(read.changes);
                }
                if !read.more {
                    break;
                }
                number += 1;
            }
        }
        if chart.began.is_some() && summary.newest_update > chart.began {
            summary.newest_update = chart.began;
        }
        Ok(summary)
    }

    /// The chart of accounts (one request, unpaged, read whole every time): what the pages of
    /// the other collections are mapped with, and its money accounts as changes.
    ///
    /// # Errors
    /// What [`XeroError`] lists.
    pub async fn read_chart(&self) -> Result<(ChartOfAccounts, Vec<BookChange>), XeroError> {
        let url = self.url(Collection::Accounts, None)?;
        parse_chart(&self.get(&url, None).await?, self.home)
    }

    /// Page `number` (1-based, [`PAGE_SIZE`] rows) of a paged `collection`, changed at or after
    /// `since` (everything, without one), mapped with `chart`. One request.
    ///
    /// # Errors
    /// What [`XeroError`] lists; [`XeroError::Url`] for [`Collection::Accounts`], which has no
    /// pages (read it with [`Tenant::read_chart`]).
    pub async fn read_page(
        &self,
        collection: Collection,
        since: Option<DateTime<Utc>>,
        number: usize,
        chart: &ChartOfAccounts,
    ) -> Result<PageRead, XeroError> {
        if collection == Collection::Accounts {
            return Err(XeroError::Url("the chart of accounts has no pages".into()));
        }
        let url = self.url(collection, Some(number))?;
        parse_page(&self.get(&url, since).await?, collection, number, chart)
    }
}

fn json(body: &[u8]) -> Result<Value, XeroError> {
    serde_json::from_slice(body).map_err(|e| XeroError::Decode(format!("JSON answer: {e}")))
}

/// The chart of accounts from an `/Accounts` answer, as [`Tenant::read_chart`] reads it;
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
/// [`Tenant::read_page`] reads it.
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
    chart: Chart,
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

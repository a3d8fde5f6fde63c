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

use super::Xero;
use super::error::XeroError;
use super::http::ReadHeaders;
use super::pages::{
    ChartOfAccounts, Collection, PAGE_SIZE, PageRead, ReadSummary, parse_chart, parse_page,
};
use chrono::{DateTime, Utc};
use flowsense_core::Currency;
use flowsense_core::synced::BookChange;
use reqwest::Url;
use secrecy::SecretString;

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

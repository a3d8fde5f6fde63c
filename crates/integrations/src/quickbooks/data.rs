//! Reads of one company: paged queries over every entity type, and change data capture.
//!
//! Paging (Intuit "Data queries"; APIS.md §1.3): `STARTPOSITION` is 1-based and `MAXRESULTS`
//! at most 1,000, so a full read asks `… ORDERBY Id STARTPOSITION 1 MAXRESULTS 1000`, then
//! 1001, 2001, … until a page holds fewer than 1,000 rows — `⌊n / 1000⌋ + 1` requests for `n`
//! rows, the least this paging allows. Ordering by `Id` keeps the pages stable while the
//! company changes. CDC (Intuit "Change data capture"; APIS.md §1.4) looks back at most 30
//! days and returns at most 1,000 objects without paging; beyond either the caller reads
//! everything again.

use super::QuickBooks;
use super::fault::QuickBooksError;
use super::model::{EntityType, Record};
use super::parse::{CDC_MAX_DAYS, PAGE_SIZE, parse_cdc, parse_company_name, parse_query_page};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use flowsense_core::Currency;
use reqwest::Url;
use secrecy::SecretString;

/// One company (realm), read with one access token. It has no method that writes.
pub struct Company<'a> {
    qb: &'a QuickBooks,
    realm_id: String,
    access_token: &'a SecretString,
    home: Currency,
}

/// `2026-01-31T17:00:00+00:00`: the form the query language and CDC take.
fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, false)
}

impl QuickBooks {
    /// Reads of the company `realm_id` with `access_token`; amounts without a `CurrencyRef`
    /// are in `home`, the company's currency.
    #[must_use]
    pub fn company<'a>(
        &'a self,
        realm_id: &str,
        access_token: &'a SecretString,
        home: Currency,
    ) -> Company<'a> {
        Company {
            qb: self,
            realm_id: realm_id.to_owned(),
            access_token,
            home,
        }
    }
}

impl Company<'_> {
    /// `{api base}/v3/company/{realmId}/{endpoint…}?{pairs}&minorversion=75`.
    fn url(&self, endpoint: &[&str], pairs: &[(&str, &str)]) -> Result<Url, QuickBooksError> {
        let mut url = self.qb.config.endpoints.api_base.clone();
        url.path_segments_mut()
            .map_err(|()| QuickBooksError::Url("the API base cannot hold a path".into()))?
            .pop_if_empty()
            .extend(["v3", "company", &self.realm_id])
            .extend(endpoint);
        url.query_pairs_mut()
            .extend_pairs(pairs)
            .append_pair("minorversion", "75");
        Ok(url)
    }

    async fn get(&self, url: &Url) -> Result<Vec<u8>, QuickBooksError> {
        Ok(self
            .qb
            .transport
            .get(url, self.access_token, &[])
            .await?
            .body)
    }

    /// The company's name, as QuickBooks shows it (`CompanyInfo.CompanyName`, the singleton
    /// read at `companyinfo/{realmId}`; Intuit API reference `companyinfo.md`). One request.
    ///
    /// # Errors
    /// What [`QuickBooksError`] lists; [`QuickBooksError::Decode`] for an answer without a
    /// company name.
    pub async fn company_name(&self) -> Result<String, QuickBooksError> {
        let url = self.url(&["companyinfo", &self.realm_id], &[])?;
        parse_company_name(&self.get(&url).await?)
    }

    /// Reads every `entity` (changed after `since`, when given), a page at a time, handing
    /// each page's records to `page`. Returns the number of requests made.
    ///
    /// # Errors
    /// What [`QuickBooksError`] lists; a failed page ends the read (pages already handed over
    /// stay handed over).
    pub async fn read_all(
        &self,
        entity: EntityType,
        since: Option<DateTime<Utc>>,
        mut page: impl FnMut(Vec<Record>),
    ) -> Result<usize, QuickBooksError> {
        let mut start = 1;
        let mut requests = 0;
        loop {
            let (records, more) = self.read_page(entity, since, start).await?;
            requests += 1;
            if !records.is_empty() {
                page(records);
            }
            if !more {
                return Ok(requests);
            }
            start += PAGE_SIZE;
        }
    }

    /// One page of `entity` (changed after `since`, when given) from the 1-based position
    /// `start`, in one request; `true` beside it when a full page came back (there may be more
    /// at `start + PAGE_SIZE`).
    ///
    /// # Errors
    /// What [`QuickBooksError`] lists.
    pub async fn read_page(
        &self,
        entity: EntityType,
        since: Option<DateTime<Utc>>,
        start: usize,
    ) -> Result<(Vec<Record>, bool), QuickBooksError> {
        let filter = since
            .map(|t| format!(" WHERE MetaData.LastUpdatedTime > '{}'", rfc3339(t)))
            .unwrap_or_default();
        let statement = format!(
            "SELECT * FROM {}{filter} ORDERBY Id STARTPOSITION {start} MAXRESULTS {PAGE_SIZE}",
            entity.name()
        );
        let url = self.url(&["query"], &[("query", &statement)])?;
        parse_query_page(&self.get(&url).await?, entity, self.home)
    }

    /// What changed in `entities` after `since` (deleted ones as [`Record::Deleted`]), in one
    /// CDC request. `now` is the caller's clock, for the 30-day limit.
    ///
    /// # Errors
    /// [`QuickBooksError::CdcWindowExpired`] for a `since` over 30 days ago (no request made),
    /// [`QuickBooksError::CdcOverflow`] when the answer is full (it may have been cut short);
    /// otherwise as [`Company::read_all`].
    pub async fn changes_since(
        &self,
        entities: &[EntityType],
        since: DateTime<Utc>,
    ) -> Result<Vec<Record>, QuickBooksError> {
        if since < self.qb.clock.now() - Duration::days(CDC_MAX_DAYS) {
            return Err(QuickBooksError::CdcWindowExpired);
        }
        let names: Vec<&str> = entities.iter().map(|e| e.name()).collect();
        let url = self.url(
            &["cdc"],
            &[
                ("entities", &names.join(",")),
                ("changedSince", &rfc3339(since)),
            ],
        )?;
        parse_cdc(&self.get(&url).await?, entities, self.home)
    }
}

//! Xero as a [`Source`].
//!
//! Every run reads the chart of accounts first (one request: it names the money accounts and
//! the categories the other collections are mapped with), then bank transactions, invoices and
//! bills, and payments, a page (1,000 rows) at a time, each page with the cursor that resumes
//! after it: the collection and page reached, and the run's `If-Modified-Since`. A backfill has
//! none; an incremental run asks for what changed since the previous run began, less a minute
//! (Xero compares to the second; a change seen twice is applied twice, which changes nothing).
//! A run killed mid-way resumes at the page after the last one applied, with the same `since`
//! and the same start, so the next run still covers what changed while this one ran.
//!
//! A backfill marks the rows it sees and its last page removes the organisation's rows it did
//! not see (left by an earlier connection and deleted in Xero since). Incremental reads need no
//! such sweep: Xero reports deletions and voids as status changes, with no look-back limit.

use super::source::{
    FullReadPage, OVERLAP_SECONDS, Page, Source, SourceError, decode_cursor, encode_cursor,
};
use chrono::{DateTime, Duration, Utc};
use flowsense_core::Currency;
use flowsense_core::clock::Clock;
use flowsense_integrations::xero::{ChartOfAccounts, Collection, Xero, XeroError};
use futures_util::future::BoxFuture;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The paged collections, in the order a run reads them (after the chart).
const PAGED: [Collection; 3] = [
    Collection::BankTransactions,
    Collection::Invoices,
    Collection::Payments,
];

/// The stored cursor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "lowercase")]
enum Cursor {
    /// A run under way: page `page` of collection `step` of [`PAGED`] is next; `since` is the
    /// run's `If-Modified-Since` (none: a backfill), `started` when it began.
    Reading {
        since: Option<DateTime<Utc>>,
        started: DateTime<Utc>,
        step: usize,
        page: usize,
    },
    /// Up to date as of `since`: the next run reads what changed from then.
    Current { since: DateTime<Utc> },
}

/// A sync run of one Xero organisation.
pub struct XeroSource {
    xero: Arc<Xero>,
    clock: Arc<dyn Clock>,
    tenant: String,
    home: Currency,
    cursor: Option<Cursor>,
    chart: Option<ChartOfAccounts>,
    done: bool,
    requests: usize,
}

/// What a Xero failure means to the engine (reads and token refreshes alike).
pub(super) fn source_error(e: XeroError) -> SourceError {
    match e {
        XeroError::ReauthNeeded => SourceError::ReauthNeeded,
        XeroError::ConnectionDead(why) => SourceError::Dead(why),
        // The organisation was disconnected from the app in Xero (or a scope withdrawn): only
        // connecting again brings it back.
        XeroError::Forbidden(_) => {
            SourceError::Dead("Xero no longer gives access to this organisation".into())
        }
        XeroError::RateLimited { retry_after, .. } => SourceError::Throttled { retry_after },
        e @ (XeroError::Unavailable(_)
        | XeroError::Timeout
        | XeroError::Paused(_)
        | XeroError::Transport(_)) => SourceError::Unavailable(e.to_string()),
        e => SourceError::Permanent(e.to_string()),
    }
}

impl XeroSource {
    /// A run over organisation `tenant` (its Xero `tenantId`), whose amounts without a currency
    /// are in `home`, resuming from `cursor` (`None`: a backfill).
    ///
    /// # Errors
    /// [`SourceError::Permanent`] for a cursor this source did not write.
    pub fn new(
        xero: Arc<Xero>,
        clock: Arc<dyn Clock>,
        tenant: &str,
        home: Currency,
        cursor: Option<&str>,
    ) -> Result<Self, SourceError> {
        Ok(Self {
            cursor: decode_cursor(cursor)?,
            xero,
            clock,
            tenant: tenant.to_owned(),
            home,
            chart: None,
            done: false,
            requests: 0,
        })
    }

    /// The chart, read once per run; where this run reads from (a finished run's `since`
    /// starts a new incremental one).
    async fn read_chart(&mut self, token: &SecretString) -> Result<Page, SourceError> {
        let tenant = self.xero.tenant(&self.tenant, token, self.home);
        let read = tenant.read_chart().await;
        self.requests += 1;
        let (chart, accounts) = read.map_err(source_error)?;
        let started = chart.began.unwrap_or_else(|| self.clock.now());
        let position = match self.cursor.take() {
            None => Cursor::Reading {
                since: None,
                started,
                step: 0,
                page: 1,
            },
            Some(Cursor::Current { since }) => Cursor::Reading {
                since: Some(since),
                started,
                step: 0,
                page: 1,
            },
            Some(resumed @ Cursor::Reading { .. }) => resumed,
        };
        self.chart = Some(chart);
        let page = Page {
            changes: accounts,
            cursor: encode_cursor(&position)?,
            full_read: None,
        };
        self.cursor = Some(position);
        Ok(page)
    }

    async fn read_next(
        &mut self,
        token: &SecretString,
        since: Option<DateTime<Utc>>,
        started: DateTime<Utc>,
        step: usize,
        page: usize,
    ) -> Result<Page, SourceError> {
        let Some(chart) = &self.chart else {
            return Err(SourceError::Permanent("the chart was not read".into()));
        };
        let collection = PAGED[step.min(PAGED.len() - 1)];
        let tenant = self.xero.tenant(&self.tenant, token, self.home);
        let read = tenant.read_page(collection, since, page, chart).await;
        self.requests += 1;
        let read = read.map_err(source_error)?;
        let next = if read.more {
            Cursor::Reading {
                since,
                started,
                step,
                page: page + 1,
            }
        } else if step + 1 < PAGED.len() {
            Cursor::Reading {
                since,
                started,
                step: step + 1,
                page: 1,
            }
        } else {
            self.done = true;
            Cursor::Current {
                since: started - Duration::seconds(OVERLAP_SECONDS),
            }
        };
        let out = Page {
            changes: read.changes,
            cursor: encode_cursor(&next)?,
            // See the module comment: a backfill marks and sweeps.
            full_read: since
                .is_none()
                .then(|| FullReadPage::of_read_begun(started, self.done)),
        };
        self.cursor = Some(next);
        Ok(out)
    }
}

impl Source for XeroSource {
    fn next_page<'a>(
        &'a mut self,
        access_token: &'a SecretString,
    ) -> BoxFuture<'a, Result<Option<Page>, SourceError>> {
        Box::pin(async move {
            if self.done {
                return Ok(None);
            }
            if self.chart.is_none() {
                return self.read_chart(access_token).await.map(Some);
            }
            match self.cursor.clone() {
                Some(Cursor::Reading {
                    since,
                    started,
                    step,
                    page,
                }) => self
                    .read_next(access_token, since, started, step, page)
                    .await
                    .map(Some),
                // The chart read turns every cursor into a position.
                Some(Cursor::Current { .. }) | None => Ok(None),
            }
        })
    }

    fn requests(&self) -> usize {
        self.requests
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cursor_reads_back_what_it_wrote() {
        let started = DateTime::from_timestamp(1_800_000_000, 0).expect("instant");
        for c in [
            Cursor::Reading {
                since: None,
                started,
                step: 2,
                page: 7,
            },
            Cursor::Current { since: started },
        ] {
            let text = encode_cursor(&c).expect("encode");
            let back: Option<Cursor> = decode_cursor(Some(&text)).expect("decode");
            assert_eq!(back, Some(c));
        }
    }
}

//! QuickBooks Online as a [`Source`].
//!
//! Backfill: every entity type read in full, a page (1,000 rows) at a time, in the order
//! Account, Payment, BillPayment, Invoice, Bill, Purchase, Deposit, Transfer, JournalEntry (the
//! chart first, so movements know the money accounts; payments before documents, so a paid
//! document gets its payment's date). The cursor records the entity and position reached, so a
//! killed backfill resumes at the page after the last one applied (re-reading the chart and the
//! payments first, which only the mapper needs).
//!
//! Incremental: the chart again (one request), then CDC since the last sync when that is inside
//! CDC's 30-day window and under its 1,000 objects; otherwise a full re-read (a backfill).
//! The next `since` is the moment the read began, less a minute, so nothing changed while it ran
//! is missed (a change seen twice is applied twice, which changes nothing).
//!
//! A backfill or full re-read marks every row it sees; its last page removes the company's
//! rows it did not see — deleted in QuickBooks while CDC could not report it — in the same
//! transaction as the cursor. A re-read killed part way resumes with the same marks and
//! removes nothing until it completes.

use super::source::{
    FullReadPage, OVERLAP_SECONDS, Page, Source, SourceError, decode_cursor, encode_cursor,
};
use chrono::{DateTime, Duration, Utc};
use flowsense_core::Currency;
use flowsense_core::clock::Clock;
use flowsense_integrations::quickbooks::{
    BookMapper, EntityType, PAGE_SIZE, QuickBooks, QuickBooksError, Record,
};
use futures_util::future::BoxFuture;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The backfill's order (see the module comment).
const BACKFILL_ORDER: [EntityType; 9] = [
    EntityType::Account,
    EntityType::Payment,
    EntityType::BillPayment,
    EntityType::Invoice,
    EntityType::Bill,
    EntityType::Purchase,
    EntityType::Deposit,
    EntityType::Transfer,
    EntityType::JournalEntry,
];

/// The stored cursor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "lowercase")]
enum Cursor {
    /// Reading everything: the entity `step` of [`BACKFILL_ORDER`] from position `start`.
    Backfill {
        started: DateTime<Utc>,
        step: usize,
        start: usize,
    },
    /// Up to date as of `since`.
    Cdc { since: DateTime<Utc> },
}

/// A sync run of one QuickBooks company.
pub struct QuickBooksSource {
    qb: Arc<QuickBooks>,
    clock: Arc<dyn Clock>,
    realm: String,
    home: Currency,
    mapper: BookMapper,
    cursor: Option<Cursor>,
    /// The chart (and, for a resumed backfill, the payments) learned in this run.
    prepared: bool,
    done: bool,
    requests: usize,
}

/// What a QuickBooks failure means to the engine (reads and token refreshes alike).
pub(super) fn source_error(e: QuickBooksError) -> SourceError {
    match e {
        QuickBooksError::ReauthNeeded => SourceError::ReauthNeeded,
        QuickBooksError::ConnectionDead(why) => SourceError::Dead(why),
        QuickBooksError::Throttled { retry_after, .. } => SourceError::Throttled { retry_after },
        e @ (QuickBooksError::Unavailable(_)
        | QuickBooksError::Timeout
        | QuickBooksError::Paused(_)
        | QuickBooksError::Transport(_)) => SourceError::Unavailable(e.to_string()),
        e => SourceError::Permanent(e.to_string()),
    }
}

impl QuickBooksSource {
    /// A run over company `realm`, whose amounts without a currency are in `home`, resuming
    /// from `cursor` (`None`: a backfill).
    ///
    /// # Errors
    /// [`SourceError::Permanent`] for a cursor this source did not write.
    pub fn new(
        qb: Arc<QuickBooks>,
        clock: Arc<dyn Clock>,
        realm: &str,
        home: Currency,
        cursor: Option<&str>,
    ) -> Result<Self, SourceError> {
        Ok(Self {
            cursor: decode_cursor(cursor)?,
            qb,
            clock,
            realm: realm.to_owned(),
            home,
            mapper: BookMapper::new(),
            prepared: false,
            done: false,
            requests: 0,
        })
    }

    fn page(
        &self,
        records: &[Record],
        cursor: &Cursor,
        mapper: &mut BookMapper,
        full_read: Option<FullReadPage>,
    ) -> Result<Page, SourceError> {
        Ok(Page {
            changes: mapper.map(records),
            cursor: encode_cursor(cursor)?,
            full_read,
        })
    }

    /// Every page of `entity`, for the mapper to learn from.
    async fn learn_all(
        &mut self,
        entity: EntityType,
        token: &SecretString,
    ) -> Result<(), SourceError> {
        let company = self.qb.company(&self.realm, token, self.home);
        let mut records = Vec::new();
        let result = company
            .read_all(entity, None, |page| records.extend(page))
            .await;
        self.mapper.learn(&records);
        self.requests += result.map_err(source_error)?;
        Ok(())
    }

    async fn backfill_page(
        &mut self,
        token: &SecretString,
        started: DateTime<Utc>,
        step: usize,
        start: usize,
    ) -> Result<Option<Page>, SourceError> {
        if !self.prepared {
            // Resuming: what the mapper needs from the pages already applied (the entity being
            // read counts when its first pages are behind us).
            for (i, &entity) in BACKFILL_ORDER.iter().enumerate().take(step + 1) {
                let behind = i < step || start > 1;
                if behind
                    && matches!(
                        entity,
                        EntityType::Account | EntityType::Payment | EntityType::BillPayment
                    )
                {
                    self.learn_all(entity, token).await?;
                }
            }
            self.prepared = true;
        }
        let entity = BACKFILL_ORDER[step];
        let company = self.qb.company(&self.realm, token, self.home);
        let read = company.read_page(entity, None, start).await;
        self.requests += 1;
        let (records, more) = read.map_err(source_error)?;
        let next = if more {
            Cursor::Backfill {
                started,
                step,
                start: start + PAGE_SIZE,
            }
        } else if step + 1 < BACKFILL_ORDER.len() {
            Cursor::Backfill {
                started,
                step: step + 1,
                start: 1,
            }
        } else {
            self.done = true;
            Cursor::Cdc {
                since: started - Duration::seconds(OVERLAP_SECONDS),
            }
        };
        // Every page of a backfill or re-read marks what it saw; the last one sweeps the rest
        // (CDC reports deletions only for 30 days, so a full re-read must find them itself).
        let full_read = FullReadPage::of_read_begun(started, self.done);
        let mut mapper = std::mem::take(&mut self.mapper);
        let page = self.page(&records, &next, &mut mapper, Some(full_read));
        self.mapper = mapper;
        self.cursor = Some(next);
        page.map(Some)
    }

    async fn incremental_page(
        &mut self,
        token: &SecretString,
        since: DateTime<Utc>,
    ) -> Result<Option<Page>, SourceError> {
        let company = self.qb.company(&self.realm, token, self.home);
        let current = Cursor::Cdc { since };
        if !self.prepared {
            let mut records = Vec::new();
            let read = company
                .read_all(EntityType::Account, None, |page| records.extend(page))
                .await;
            self.requests += read.map_err(source_error)?;
            self.prepared = true;
            let mut mapper = std::mem::take(&mut self.mapper);
            let page = self.page(&records, &current, &mut mapper, None);
            self.mapper = mapper;
            return page.map(Some);
        }
        let began = self.clock.now();
        let entities = &BACKFILL_ORDER[1..];
        match company.changes_since(entities, since).await {
            Ok(records) => {
                self.requests += 1;
                self.done = true;
                let next = Cursor::Cdc {
                    since: began - Duration::seconds(OVERLAP_SECONDS),
                };
                let mut mapper = std::mem::take(&mut self.mapper);
                let page = self.page(&records, &next, &mut mapper, None);
                self.mapper = mapper;
                self.cursor = Some(next);
                page.map(Some)
            }
            Err(QuickBooksError::CdcWindowExpired) => self.start_full_read(token, began).await,
            Err(QuickBooksError::CdcOverflow) => {
                self.requests += 1;
                self.start_full_read(token, began).await
            }
            Err(e) => {
                self.requests += 1;
                Err(source_error(e))
            }
        }
    }

    /// Too much changed, or too long ago, for CDC: read everything again (the chart is
    /// already learned in this run, so the payments are read first by the backfill order).
    async fn start_full_read(
        &mut self,
        token: &SecretString,
        began: DateTime<Utc>,
    ) -> Result<Option<Page>, SourceError> {
        self.cursor = Some(Cursor::Backfill {
            started: began,
            step: 1,
            start: 1,
        });
        self.backfill_page(token, began, 1, 1).await
    }
}

impl Source for QuickBooksSource {
    fn next_page<'a>(
        &'a mut self,
        access_token: &'a SecretString,
    ) -> BoxFuture<'a, Result<Option<Page>, SourceError>> {
        Box::pin(async move {
            if self.done {
                return Ok(None);
            }
            match self.cursor.clone() {
                None => {
                    let started = self.clock.now();
                    self.prepared = true;
                    self.backfill_page(access_token, started, 0, 1).await
                }
                Some(Cursor::Backfill {
                    started,
                    step,
                    start,
                }) => {
                    self.backfill_page(
                        access_token,
                        started,
                        step.min(BACKFILL_ORDER.len() - 1),
                        start,
                    )
                    .await
                }
                Some(Cursor::Cdc { since }) => self.incremental_page(access_token, since).await,
            }
        })
    }

    fn requests(&self) -> usize {
        self.requests
    }
}

//! Keeping the word-search index (migrations 0025 and 0029) up with the rows that imports and
//! syncs add.
//!
//! Tokenising text costs about as much as storing the row, so the index does not take each new
//! row as it is inserted. Whatever adds rows (an import, a sync page) calls [`NewRows::open`]
//! before its first insert, which notes the newest transaction id and opens a range in
//! `search_backlog` from there on, so that while it runs the triggers know its rows are not in
//! the index. Just before it commits, [`NewRows::close`]:
//! - indexes up to [`INLINE_ROWS`] new rows (a sync page, a bank statement) in one statement and
//!   removes the range, so they are searchable the moment they commit;
//! - or, for more (a large import), closes the range at its newest row and queues a
//!   `search.index` job in the same transaction. The job ([`Store::index_search_backlog`]) takes
//!   the range in by [`CHUNK_ROWS`] per short transaction, so other writers get the database in
//!   between; until it has, [`Store::search_backlog_rows`] says how many rows a search may miss.
//!
//! Rows already indexed follow corrections, rules and deletions through triggers; rows still in
//! the backlog are left to the job, which reads them as they are when it gets to them.

use crate::Store;
use crate::args::sql;
use crate::error::Result;
use crate::jobs::{NewJob, enqueue_in};
use crate::scope::Tx;
use chrono::{DateTime, Utc};
use flowsense_core::OrgId;

/// The job kind that takes an organisation's backlog into the index; payload `{}`.
pub const SEARCH_INDEX_KIND: &str = "search.index";

/// Rows indexed before the commit that added them; more go to the backlog.
pub const INLINE_ROWS: i64 = 10_000;

/// Rows the job indexes per transaction.
pub const CHUNK_ROWS: i64 = 10_000;

/// The job that takes `org`'s backlog in, keyed so that one is queued at a time.
#[must_use]
pub fn search_index_job(org: OrgId, now: DateTime<Utc>) -> NewJob {
    NewJob {
        kind: SEARCH_INDEX_KIND.to_owned(),
        org: Some(org),
        payload: "{}".to_owned(),
        idempotency_key: Some(format!("search-index:{org}")),
        run_at: now,
        max_attempts: 5,
    }
}

/// The newest transaction id of the whole database (SQLite) or the last one handed out
/// (PostgreSQL): every row inserted after this has a larger id.
async fn newest_id(tx: &mut Tx) -> Result<i64> {
    let statement = match tx {
        Tx::Sqlite(_) => sql!("sqlite-only/search/mark"),
        Tx::Pg(_) => sql!("postgres-only/search/mark"),
    };
    let (newest,): (i64,) = tx.fetch_one(statement).await?;
    Ok(newest)
}

/// The rows a transaction is adding, not yet in the search index: from [`NewRows::open`] to
/// [`NewRows::close`], in that transaction.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NewRows {
    org: OrgId,
    /// Every row added after `open` has a larger id.
    mark: i64,
    /// The open range in `search_backlog`.
    backlog_id: i64,
}

impl NewRows {
    /// Before the first insert: every row `org` adds from here on is unindexed until
    /// [`NewRows::close`].
    pub(crate) async fn open(tx: &mut Tx, org: OrgId) -> Result<Self> {
        let mark = newest_id(tx).await?;
        let (backlog_id,): (i64,) = tx
            .fetch_one(
                sql!("search/backlog_open")
                    .arg(org)
                    .arg(mark + 1)
                    .arg(i64::MAX),
            )
            .await?;
        Ok(Self {
            org,
            mark,
            backlog_id,
        })
    }

    /// Just before the commit: indexes the rows added now, or leaves them to the job when there
    /// are more than [`INLINE_ROWS`]. True when it queued the job (the caller wakes the
    /// workers once it commits).
    pub(crate) async fn close(self, tx: &mut Tx, now: DateTime<Utc>) -> Result<bool> {
        let Self {
            org,
            mark,
            backlog_id,
        } = self;
        let newest = newest_id(tx).await?;
        if newest - mark > INLINE_ROWS {
            tx.execute(
                sql!("search/backlog_close")
                    .arg(org)
                    .arg(backlog_id)
                    .arg(newest),
            )
            .await?;
            enqueue_in(tx, &search_index_job(org, now), now).await?;
            return Ok(true);
        }
        tx.execute(sql!("search/backlog_done").arg(org).arg(backlog_id))
            .await?;
        if newest > mark {
            index_range(tx, org, mark + 1, newest).await?;
        }
        Ok(false)
    }
}

/// Indexes `org`'s transactions with ids from `first` to `last`. Ids of other organisations in
/// the range are skipped; on PostgreSQL a row indexed already is left as it is (its updates
/// reached it through the trigger).
async fn index_range(tx: &mut Tx, org: OrgId, first: i64, last: i64) -> Result<u64> {
    let statement = match tx {
        Tx::Sqlite(_) => sql!("sqlite-only/search/index_range"),
        Tx::Pg(_) => sql!("postgres-only/search/index_range"),
    };
    tx.execute(statement.arg(org).arg(first).arg(last)).await
}

impl Store {
    /// Takes `org`'s whole backlog into the search index, [`CHUNK_ROWS`] at a time, each chunk
    /// its own transaction (a killed run resumes where it stopped). Returns the rows indexed.
    ///
    /// # Errors
    /// A database failure (the chunks committed before it stay).
    pub async fn index_search_backlog(&self, org: OrgId) -> Result<u64> {
        let mut indexed = 0;
        loop {
            let mut tx = self.scoped(org).await?;
            let next: Option<(i64, i64, i64)> = tx
                .fetch_optional(sql!("search/backlog_next").arg(org))
                .await?;
            tx.commit().await?;
            let Some((id, first, last)) = next else {
                return Ok(indexed);
            };
            let end = last.min(first.saturating_add(CHUNK_ROWS - 1));
            // The chunk is taken by a write first: on SQLite that takes the write lock before
            // anything is read in this transaction (a read first could not be upgraded once
            // another writer committed), and a run racing this one finds the range moved on and
            // reads it again, so no row is indexed twice.
            let mut tx = self.scoped(org).await?;
            let taken = if end == last {
                tx.execute(sql!("search/backlog_take_last").arg(org).arg(id).arg(first))
                    .await?
            } else {
                tx.execute(
                    sql!("search/backlog_advance")
                        .arg(org)
                        .arg(id)
                        .arg(first)
                        .arg(end + 1),
                )
                .await?
            };
            if taken == 0 {
                tx.rollback().await?;
                continue;
            }
            indexed += index_range(&mut tx, org, first, end).await?;
            tx.commit().await?;
        }
    }

    /// How many of `org`'s newest rows the search index may not hold yet (an upper bound: the
    /// backlog's ranges, which deletions since may have thinned). 0 when searches see every row.
    ///
    /// # Errors
    /// A database failure.
    pub async fn search_backlog_rows(&self, org: OrgId) -> Result<i64> {
        let mut tx = self.scoped_read(org).await?;
        let (waiting,): (i64,) = tx.fetch_one(sql!("search/backlog_rows").arg(org)).await?;
        tx.commit().await?;
        Ok(waiting)
    }
}

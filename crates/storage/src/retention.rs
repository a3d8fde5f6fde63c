//! Retention (SPEC §6): an organisation's transactions older than a cutoff are added to the
//! rollups the analytics read over purged history, and deleted, one bounded batch per write
//! transaction; its assistant conversations past their age are deleted.
//!
//! A batch adds exactly the rows it deletes, in the same transaction, so a purge killed between
//! batches has lost nothing and counted nothing twice: the next run carries on where it stopped.
//! Batches take the oldest rows first (`posted_on`, then `id`). A batch first finds where the
//! next one would start (one short walk along the `transactions_by_date` index), then every
//! statement of the batch reads the index range before that key: a range scan, never a scan of
//! the organisation's other rows, and no count of what remains.

use crate::Store;
use crate::args::sql;
use crate::books::books_changed;
use crate::error::Result;
use crate::scope::Tx;
use chrono::{DateTime, NaiveDate, Utc};
use flowsense_core::OrgId;

/// What one batch of a purge did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PurgeBatch {
    /// Transactions deleted (and, when the organisation keeps rollups, added to them).
    pub purged: u64,
    /// Transactions of the organisation dated before the cutoff were left for another batch.
    pub more: bool,
}

impl Store {
    /// Purges at most `batch_size` of the organisation's transactions dated before `cutoff`
    /// (the cutoff day itself is kept), oldest first, in one write transaction. Unless the
    /// organisation turned `keep_monthly_rollups` off, the same transaction first adds them to
    /// `monthly_flow_rollups` and `weekly_counterparty_rollups`. A batch that purged anything
    /// moves the books version on, so cached analytics are recomputed.
    ///
    /// Call it while `more` is true; a call with nothing to purge changes nothing.
    ///
    /// # Errors
    /// `NotFound` for an unknown organisation; a database failure (the batch is then rolled
    /// back whole).
    pub async fn purge_transactions_before(
        &self,
        org: OrgId,
        cutoff: NaiveDate,
        batch_size: u32,
    ) -> Result<PurgeBatch> {
        let keep_rollups = self.org(org).await?.settings.keep_monthly_rollups;
        let mut tx = self.scoped(org).await?;
        // The write comes first: on SQLite it takes the database's only write lock before
        // anything is read, so no other writer can change which rows the statements below
        // pick (and a deferred transaction that read first could not upgrade). A batch that
        // purges nothing is rolled back, version bump included.
        books_changed(&mut tx, org).await?;
        // The batch is every row before the first row of the next batch, or, when there is
        // no next batch, every row before the cutoff (`(cutoff, MIN)` orders after all of them).
        let next: Option<(NaiveDate, i64)> = tx
            .fetch_optional(
                sql!("retention/batch_end")
                    .arg(org)
                    .arg(cutoff)
                    .arg(i64::from(batch_size.max(1))),
            )
            .await?;
        let (end_day, end_id) = next.unwrap_or((cutoff, i64::MIN));
        let batch = |sql: crate::args::Sql| sql.arg(org).arg(end_day).arg(end_id);
        let purged = match (&tx, keep_rollups) {
            // One statement: the rows deleted are, by construction, the rows added up.
            (Tx::Pg(_), true) => {
                let (purged,): (i64,) = tx
                    .fetch_one(batch(sql!("postgres-only/retention/roll_up_and_delete")))
                    .await?;
                u64::try_from(purged).unwrap_or(0)
            }
            // SQLite has no DELETE in a WITH clause; the write lock taken above keeps the
            // three statements on the same rows.
            (Tx::Sqlite(_), true) => {
                tx.execute(batch(sql!("sqlite-only/retention/roll_up_months")))
                    .await?;
                tx.execute(batch(sql!("sqlite-only/retention/roll_up_weeks")))
                    .await?;
                tx.execute(batch(sql!("retention/delete_batch"))).await?
            }
            (_, false) => tx.execute(batch(sql!("retention/delete_batch"))).await?,
        };
        if purged > 0 {
            tx.commit().await?;
        }
        Ok(PurgeBatch {
            purged,
            more: next.is_some(),
        })
    }

    /// Deletes the organisation's assistant conversations (and their messages) last updated
    /// before `before`. Returns how many conversations went.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn purge_conversations_before(
        &self,
        org: OrgId,
        before: DateTime<Utc>,
    ) -> Result<u64> {
        let mut tx = self.scoped(org).await?;
        let purged = tx
            .execute(sql!("retention/delete_conversations").arg(org).arg(before))
            .await?;
        tx.commit().await?;
        Ok(purged)
    }
}

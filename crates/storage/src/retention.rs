//! Retention (SPEC §6): an organisation's transactions older than a cutoff are added to the
//! rollups the analytics read over purged history, and deleted, one bounded batch per write
//! transaction; its assistant conversations past their age are deleted.
//!
//! A batch adds exactly the rows it deletes, in the same transaction, so a purge killed between
//! batches has lost nothing and counted nothing twice: the next run carries on where it stopped.
//! Batches take the oldest rows first (`posted_on`, then `id`), through the
//! `transactions_by_date` index, so each one is short and other writers wait only that long.

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
    /// Transactions of the organisation still dated before the cutoff after this batch.
    pub remaining: u64,
}

impl Store {
    /// Purges at most `batch_size` of the organisation's transactions dated before `cutoff`
    /// (the cutoff day itself is kept), oldest first, in one write transaction. Unless the
    /// organisation turned `keep_monthly_rollups` off, the same transaction first adds them to
    /// `monthly_flow_rollups` and `weekly_counterparty_rollups`. A batch that purged anything
    /// moves the books version on, so cached analytics are recomputed.
    ///
    /// Call it until `remaining` is 0; a call with nothing to purge changes nothing.
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
        let limit = i64::from(batch_size.max(1));
        let batch = |sql: crate::args::Sql| sql.arg(org).arg(cutoff).arg(limit);
        let mut tx = self.scoped(org).await?;
        let purged = match (&tx, keep_rollups) {
            // One statement: the rows deleted are, by construction, the rows added up.
            (Tx::Pg(_), true) => {
                let (purged,): (i64,) = tx
                    .fetch_one(batch(sql!("postgres-only/retention/roll_up_and_delete")))
                    .await?;
                u64::try_from(purged).unwrap_or(0)
            }
            // SQLite has no DELETE in a WITH clause. The first statement takes the database's
            // only write lock, so no writer can change which rows the three statements pick.
            (Tx::Sqlite(_), true) => {
                tx.execute(batch(sql!("sqlite-only/retention/roll_up_months")))
                    .await?;
                tx.execute(batch(sql!("sqlite-only/retention/roll_up_weeks")))
                    .await?;
                tx.execute(batch(sql!("retention/delete_batch"))).await?
            }
            (_, false) => tx.execute(batch(sql!("retention/delete_batch"))).await?,
        };
        let (remaining,): (i64,) = tx
            .fetch_one(sql!("retention/remaining").arg(org).arg(cutoff))
            .await?;
        if purged > 0 {
            books_changed(&mut tx, org).await?;
            tx.commit().await?;
        }
        Ok(PurgeBatch {
            purged,
            remaining: u64::try_from(remaining).unwrap_or(0),
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

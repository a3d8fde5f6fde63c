//! The durable job queue: enqueue (alone or inside the transaction that causes the job), claim
//! under a lease, renew, complete, fail with backoff, hand back.
//!
//! A claim sets the job `running` under a lease (`lease_owner`, `lease_expires_at`) and counts
//! an attempt. Every later step names the lease owner in its `WHERE`, so a worker whose lease
//! expired (and whose job another worker took) changes nothing. A killed worker simply stops
//! renewing: once the lease expires the job is claimed again, or buried if that was its last
//! attempt. Payloads are JSON text and must carry ids, never secrets or amounts (operators read
//! them).

use crate::Store;
use crate::args::sql;
use crate::error::{Result, StorageError};
use crate::scope::Tx;
use chrono::{DateTime, TimeDelta, Utc};
use flowsense_core::OrgId;
use serde::Serialize;
use uuid::Uuid;

/// A job's number in the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct JobId(pub i64);

impl std::fmt::Display for JobId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A job to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob {
    /// What runs it: a handler registered under this name (`cleanup.expired`, `mail.send`, …).
    pub kind: String,
    /// The organisation the job works for, if any (tenant jobs are scoped to it on PostgreSQL).
    pub org: Option<OrgId>,
    /// JSON text: ids and options, never secrets or amounts.
    pub payload: String,
    /// A second enqueue with the same key is a no-op that returns the first job's id.
    pub idempotency_key: Option<String>,
    pub run_at: DateTime<Utc>,
    /// Attempts before the job is dead (at least 1).
    pub max_attempts: i64,
}

/// The result of an enqueue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Enqueued {
    pub id: JobId,
    /// False when a job with the same idempotency key already existed (and was returned).
    pub newly_created: bool,
}

/// A job a worker holds under a lease.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimedJob {
    #[sqlx(try_from = "i64")]
    pub id: JobId,
    pub kind: String,
    #[sqlx(rename = "org_id")]
    org_uuid: Option<Uuid>,
    pub payload: String,
    pub idempotency_key: Option<String>,
    /// Attempts so far, this one included.
    pub attempts: i64,
    pub max_attempts: i64,
}

impl From<i64> for JobId {
    fn from(id: i64) -> Self {
        JobId(id)
    }
}

impl ClaimedJob {
    #[must_use]
    pub fn org(&self) -> Option<OrgId> {
        self.org_uuid.map(OrgId)
    }
}

/// What became of a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOutcome {
    /// Queued again; runs at this time.
    RetryAt(DateTime<Utc>),
    /// No attempt left (or the error was permanent): kept with its last error.
    Dead,
    /// The lease had already passed to another worker; nothing changed.
    LeaseLost,
}

/// How long to wait before attempt `attempts + 1`: 10 s doubling per attempt, at most an hour,
/// with "equal jitter" (between half and all of that) so failed jobs do not retry in lockstep.
#[must_use]
pub fn retry_backoff(attempts: i64) -> TimeDelta {
    let exponent = u32::try_from(attempts.clamp(1, 20) - 1).unwrap_or(0);
    let full_ms = 10_000_i64.saturating_mul(1_i64 << exponent).min(3_600_000);
    let half = full_ms / 2;
    let mut random = [0_u8; 8];
    // Without randomness the backoff is merely not jittered.
    let _ = getrandom::fill(&mut random);
    let jitter = i64::try_from(u64::from_le_bytes(random) % u64::try_from(half + 1).unwrap_or(1))
        .unwrap_or(0);
    TimeDelta::milliseconds(half + jitter)
}

/// Enqueues `job` inside an open transaction (the caller's, or one of our own).
pub(crate) async fn enqueue_in(tx: &mut Tx, job: &NewJob, now: DateTime<Utc>) -> Result<Enqueued> {
    if job.max_attempts < 1 {
        return Err(StorageError::Config(
            "a job needs at least one attempt".into(),
        ));
    }
    if job.org.is_none() && matches!(tx, Tx::Pg(_)) {
        // A job of no organisation is visible to the system scope only (row-level security).
        tx.execute(sql!("postgres-only/scope/system")).await?;
    }
    let inserted: Option<(i64,)> = tx
        .fetch_optional(
            sql!("jobs/enqueue")
                .arg(job.kind.as_str())
                .arg(job.org.map(|o| o.0))
                .arg(job.payload.as_str())
                .arg(job.idempotency_key.clone())
                .arg(job.run_at)
                .arg(job.max_attempts)
                .arg(now),
        )
        .await?;
    if let Some((id,)) = inserted {
        return Ok(Enqueued {
            id: JobId(id),
            newly_created: true,
        });
    }
    let key = job.idempotency_key.clone().unwrap_or_default();
    // Only a key collision inserts nothing; a key of another organisation stays invisible here.
    let (id,): (i64,) = tx
        .fetch_optional(sql!("jobs/by_key").arg(key))
        .await?
        .ok_or(StorageError::Conflict("a job with this idempotency key"))?;
    Ok(Enqueued {
        id: JobId(id),
        newly_created: false,
    })
}

/// Enqueues `jobs` in an open transaction (the write that causes them); the caller calls
/// [`Store::jobs_committed`] once it commits.
pub(crate) async fn enqueue_all_in(tx: &mut Tx, jobs: &[NewJob], now: DateTime<Utc>) -> Result<()> {
    for job in jobs {
        enqueue_in(tx, job, now).await?;
    }
    Ok(())
}

impl Store {
    /// Enqueues a job in a transaction of its own (the organisation's scope, or the system scope
    /// for a job of no organisation).
    ///
    /// # Errors
    /// `Config` for fewer than one attempt; a database failure.
    pub async fn enqueue_job(&self, job: &NewJob, now: DateTime<Utc>) -> Result<Enqueued> {
        let mut tx = match job.org {
            Some(org) => self.scoped(org).await?,
            None => self.system_across_orgs().await?,
        };
        let enqueued = enqueue_in(&mut tx, job, now).await?;
        tx.commit().await?;
        self.jobs_committed();
        Ok(enqueued)
    }

    /// Wakes this process's workers after a transaction that enqueued jobs committed.
    pub(crate) fn jobs_committed(&self) {
        self.jobs_enqueued.notify_one();
    }

    /// Resolves when this process next commits a job (workers wait on it between polls; jobs
    /// enqueued by other processes are found by polling).
    pub async fn job_enqueued(&self) {
        self.jobs_enqueued.notified().await;
    }

    /// Claims up to `limit` due jobs for `owner` until `now + lease`, across organisations:
    /// queued jobs whose time has come and running jobs whose lease expired. A running job whose
    /// lease expired on its last attempt is buried first.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn claim_jobs_across_orgs(
        &self,
        owner: &str,
        limit: i64,
        lease: TimeDelta,
        now: DateTime<Utc>,
    ) -> Result<Vec<ClaimedJob>> {
        let mut tx = self.system_across_orgs().await?;
        tx.execute(sql!("jobs/bury_abandoned").arg(now)).await?;
        let claim = match tx {
            Tx::Sqlite(_) => sql!("sqlite-only/jobs/claim"),
            Tx::Pg(_) => sql!("postgres-only/jobs/claim"),
        };
        let claimed: Vec<ClaimedJob> = tx
            .fetch_all(claim.arg(owner).arg(now + lease).arg(now).arg(limit.max(0)))
            .await?;
        tx.commit().await?;
        Ok(claimed)
    }

    /// Extends `owner`'s lease on a running job to `until`. False when the lease was lost.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn renew_job_lease(
        &self,
        id: JobId,
        owner: &str,
        until: DateTime<Utc>,
    ) -> Result<bool> {
        self.leased_update(sql!("jobs/renew").arg(id.0).arg(owner).arg(until))
            .await
    }

    /// Marks a job done. False when the lease was lost (another worker owns the job now).
    ///
    /// # Errors
    /// On a database failure.
    pub async fn complete_job(&self, id: JobId, owner: &str, now: DateTime<Utc>) -> Result<bool> {
        self.leased_update(sql!("jobs/complete").arg(id.0).arg(owner).arg(now))
            .await
    }

    /// Records a failed attempt with a safe `message` (no secrets, no amounts): queued again after
    /// [`retry_backoff`], or dead when `permanent` or out of attempts.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn fail_job(
        &self,
        job: &ClaimedJob,
        owner: &str,
        message: &str,
        permanent: bool,
        now: DateTime<Utc>,
    ) -> Result<FailOutcome> {
        let message: String = message.chars().take(500).collect();
        let (statement, outcome) = if permanent || job.attempts >= job.max_attempts {
            (
                sql!("jobs/bury").arg(job.id.0).arg(owner).arg(now),
                FailOutcome::Dead,
            )
        } else {
            let at = now + retry_backoff(job.attempts);
            let statement = sql!("jobs/retry_later").arg(job.id.0).arg(owner).arg(at);
            (statement, FailOutcome::RetryAt(at))
        };
        if self.leased_update(statement.arg(message)).await? {
            Ok(outcome)
        } else {
            Ok(FailOutcome::LeaseLost)
        }
    }

    /// Gives a running job back without counting the attempt (a worker shutting down), due now.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn hand_back_job(&self, id: JobId, owner: &str, now: DateTime<Utc>) -> Result<bool> {
        self.leased_update(sql!("jobs/hand_back").arg(id.0).arg(owner).arg(now))
            .await
    }

    async fn leased_update(&self, statement: crate::args::Sql) -> Result<bool> {
        let mut tx = self.system_across_orgs().await?;
        let changed = tx.execute(statement).await?;
        tx.commit().await?;
        Ok(changed == 1)
    }
}

impl crate::ImportTx {
    /// Enqueues a job in the import's own transaction: it exists if and only if the import is
    /// committed. The job belongs to the import's organisation or to none.
    ///
    /// # Errors
    /// `Config` for a job of another organisation; as [`Store::enqueue_job`].
    pub async fn enqueue_job(&mut self, job: &NewJob, now: DateTime<Utc>) -> Result<Enqueued> {
        let (org, tx) = self.org_and_tx();
        if job.org.is_some_and(|o| o != org) {
            return Err(StorageError::Config(
                "an import enqueues jobs of its own organisation only".into(),
            ));
        }
        let enqueued = enqueue_in(tx, job, now).await?;
        self.jobs_queued();
        Ok(enqueued)
    }
}

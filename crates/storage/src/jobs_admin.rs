//! The operator's view of the job queue (`flowsense jobs …`, queue depth), its purge, and the
//! nonces of signed cron requests. All of it spans organisations on purpose.

use crate::Store;
use crate::args::sql;
use crate::error::{Result, StorageError};
use crate::jobs::JobId;
use chrono::{DateTime, Utc};
use flowsense_core::OrgId;
use serde::Serialize;
use uuid::Uuid;

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    Queued,
    Running,
    Succeeded,
    Dead,
    Cancelled,
}

impl JobState {
    pub const ALL: [JobState; 5] = [
        JobState::Queued,
        JobState::Running,
        JobState::Succeeded,
        JobState::Dead,
        JobState::Cancelled,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Succeeded => "succeeded",
            JobState::Dead => "dead",
            JobState::Cancelled => "cancelled",
        }
    }
}

impl std::fmt::Display for JobState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for JobState {
    type Err = StorageError;
    fn from_str(s: &str) -> Result<Self> {
        JobState::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| StorageError::Corrupt(format!("unknown job state {s:?}")))
    }
}

/// Everything stored about a job, for operators.
#[derive(Debug, Clone, Serialize)]
pub struct JobRecord {
    pub id: JobId,
    pub kind: String,
    pub org: Option<OrgId>,
    pub payload: String,
    pub idempotency_key: Option<String>,
    pub state: JobState,
    pub run_at: DateTime<Utc>,
    pub attempts: i64,
    pub max_attempts: i64,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct JobRow {
    id: i64,
    kind: String,
    org_id: Option<Uuid>,
    payload: String,
    idempotency_key: Option<String>,
    state: String,
    run_at: DateTime<Utc>,
    attempts: i64,
    max_attempts: i64,
    lease_owner: Option<String>,
    lease_expires_at: Option<DateTime<Utc>>,
    last_error: Option<String>,
    created_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
}

impl TryFrom<JobRow> for JobRecord {
    type Error = StorageError;
    fn try_from(r: JobRow) -> Result<Self> {
        Ok(JobRecord {
            id: JobId(r.id),
            kind: r.kind,
            org: r.org_id.map(OrgId),
            payload: r.payload,
            idempotency_key: r.idempotency_key,
            state: r.state.parse()?,
            run_at: r.run_at,
            attempts: r.attempts,
            max_attempts: r.max_attempts,
            lease_owner: r.lease_owner,
            lease_expires_at: r.lease_expires_at,
            last_error: r.last_error,
            created_at: r.created_at,
            finished_at: r.finished_at,
        })
    }
}

/// How many jobs of one kind are in one state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JobCount {
    pub state: JobState,
    pub kind: String,
    pub jobs: i64,
}

/// The queue as a monitoring system sees it (`/metrics`): jobs by kind and by where they stand,
/// and how long the oldest due job has waited. Kinds and counts only, nothing of a tenant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobQueueGauges {
    /// `(kind, state, jobs)` with state one of [`QUEUE_GAUGE_STATES`], sorted; a pair with no job
    /// is absent.
    pub jobs: Vec<(String, &'static str, i64)>,
    /// When the job that has waited longest for a worker became due; `None` when none waits.
    pub oldest_due: Option<DateTime<Utc>>,
}

/// Where a job of the live queue stands: waiting for its first attempt, waiting to retry after
/// a failed one, running, or dead (out of attempts, kept for operators).
pub const QUEUE_GAUGE_STATES: [&str; 4] = ["queued", "retrying", "running", "dead"];

/// Rows deleted per statement by the purges, so one purge never holds the writer for long.
const PURGE_BATCH: i64 = 5_000;

impl Store {
    /// The newest `limit` jobs (at most 1,000), optionally of one state and one kind.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn list_jobs_across_orgs(
        &self,
        state: Option<JobState>,
        kind: Option<&str>,
        limit: i64,
    ) -> Result<Vec<JobRecord>> {
        let mut tx = self.system_read_across_orgs().await?;
        let rows: Vec<JobRow> = tx
            .fetch_all(
                sql!("jobs/list")
                    .arg(state.map(|s| s.as_str().to_owned()))
                    .arg(kind.map(str::to_owned))
                    .arg(limit.clamp(0, 1_000)),
            )
            .await?;
        tx.commit().await?;
        rows.into_iter().map(JobRecord::try_from).collect()
    }

    /// One job.
    ///
    /// # Errors
    /// `NotFound` for an unknown id; a database failure.
    pub async fn job_across_orgs(&self, id: JobId) -> Result<JobRecord> {
        let mut tx = self.system_read_across_orgs().await?;
        let row: JobRow = tx.fetch_one(sql!("jobs/by_id").arg(id.0)).await?;
        tx.commit().await?;
        row.try_into()
    }

    /// Queues a dead or cancelled job again with its attempts reset. False for a job in another
    /// state (or none).
    ///
    /// # Errors
    /// On a database failure.
    pub async fn retry_job_across_orgs(&self, id: JobId, now: DateTime<Utc>) -> Result<bool> {
        self.system_update(sql!("jobs/retry").arg(id.0).arg(now))
            .await
            .map(|n| n == 1)
    }

    /// Cancels a queued or dead job. False for a job in another state (a running job finishes its
    /// attempt) or none.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn cancel_job_across_orgs(&self, id: JobId, now: DateTime<Utc>) -> Result<bool> {
        self.system_update(sql!("jobs/cancel").arg(id.0).arg(now))
            .await
            .map(|n| n == 1)
    }

    /// Queue depth by state and kind.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn job_counts_across_orgs(&self) -> Result<Vec<JobCount>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            state: String,
            kind: String,
            jobs: i64,
        }
        let mut tx = self.system_read_across_orgs().await?;
        let rows: Vec<Row> = tx.fetch_all(sql!("jobs/counts")).await?;
        tx.commit().await?;
        rows.into_iter()
            .map(|r| {
                Ok(JobCount {
                    state: r.state.parse()?,
                    kind: r.kind,
                    jobs: r.jobs,
                })
            })
            .collect()
    }

    /// The queue's gauges as of `now` (see [`JobQueueGauges`]), read in one transaction.
    ///
    /// # Errors
    /// On a database failure, or a state the query does not know.
    pub async fn job_queue_gauges_across_orgs(&self, now: DateTime<Utc>) -> Result<JobQueueGauges> {
        #[derive(sqlx::FromRow)]
        struct Row {
            kind: String,
            state: String,
            jobs: i64,
        }
        let mut tx = self.system_read_across_orgs().await?;
        let rows: Vec<Row> = tx.fetch_all(sql!("jobs/gauges")).await?;
        let (oldest_due,): (Option<DateTime<Utc>>,) =
            tx.fetch_one(sql!("jobs/oldest_due").arg(now)).await?;
        tx.commit().await?;
        let jobs = rows
            .into_iter()
            .map(|r| {
                let state = QUEUE_GAUGE_STATES
                    .into_iter()
                    .find(|s| *s == r.state)
                    .ok_or_else(|| {
                        StorageError::Corrupt(format!("unknown job state {:?}", r.state))
                    })?;
                Ok((r.kind, state, r.jobs))
            })
            .collect::<Result<_>>()?;
        Ok(JobQueueGauges { jobs, oldest_due })
    }

    /// Deletes succeeded and cancelled jobs that finished before `before` (dead ones stay for
    /// operators). Returns how many went.
    ///
    /// # Errors
    /// On a database failure.
    pub async fn purge_finished_jobs_across_orgs(&self, before: DateTime<Utc>) -> Result<u64> {
        let mut total = 0;
        loop {
            let purged = self
                .system_update(sql!("jobs/purge_finished").arg(before).arg(PURGE_BATCH))
                .await?;
            total += purged;
            if purged < PURGE_BATCH.unsigned_abs() {
                return Ok(total);
            }
        }
    }

    /// Records a signed cron request's nonce. False when it was seen before (a replay).
    ///
    /// # Errors
    /// On a database failure.
    pub async fn record_cron_nonce(&self, nonce: &str, now: DateTime<Utc>) -> Result<bool> {
        self.system_update(sql!("cron_nonces/record").arg(nonce).arg(now))
            .await
            .map(|n| n == 1)
    }

    /// Forgets nonces seen before `before` (older requests fail the time window anyway).
    ///
    /// # Errors
    /// On a database failure.
    pub async fn purge_cron_nonces(&self, before: DateTime<Utc>) -> Result<u64> {
        self.system_update(sql!("cron_nonces/purge").arg(before))
            .await
    }

    pub(crate) async fn system_update(&self, statement: crate::args::Sql) -> Result<u64> {
        let mut tx = self.system_across_orgs().await?;
        let changed = tx.execute(statement).await?;
        tx.commit().await?;
        Ok(changed)
    }
}

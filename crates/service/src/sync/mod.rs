//! Syncing connected accounting books (QuickBooks and Xero): the `connection.sync` job
//! that reads a connection's books into storage, and the hourly `connection.poll` that queues
//! one for every active connection (Xero has no bank-transaction webhooks, and QuickBooks' CDC
//! catches what its webhooks missed).
//!
//! - [`source`]: the [`Source`](source::Source) a provider implements — pages of book changes,
//!   each with the cursor that resumes after it.
//! - [`quickbooks`]: QuickBooks as a source (paged backfill, CDC, full re-read past CDC's limits).
//! - [`xero`]: Xero as a source (the chart, then paged collections with `If-Modified-Since`).
//! - [`tokens`]: access tokens refreshed by one worker at a time, rotation saved atomically.
//! - [`engine`]: one sync run, and how each failure is handled.
//! - [`counts`]: the runs this instance ended, by provider and outcome (for the metrics).

pub mod counts;
pub mod engine;
pub mod quickbooks;
pub mod source;
pub mod tokens;
pub mod xero;

pub use engine::{SyncError, SyncReport, sync_connection};

use crate::Context;
use chrono::{DateTime, Utc};
use flowsense_core::{ErrorChain, OrgId};
use flowsense_jobs::{Job, JobError, KindOptions, Period, Registry, Schedule};
use flowsense_storage::{JobId, NewJob, StorageError};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The job that syncs one connection: payload `{"connection":"<uuid>"}`, the job's org set.
pub const SYNC_KIND: &str = "connection.sync";
/// The hourly job that queues a sync of every active connection.
pub const POLL_KIND: &str = "connection.poll";
/// Attempts of one sync job (each resumes from the last page applied).
pub const SYNC_MAX_ATTEMPTS: i64 = 10;

/// The payload of a [`SYNC_KIND`] job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncPayload {
    pub connection: Uuid,
}

/// The idempotency key of a connection's queued sync: while one is queued, another enqueue
/// returns it (the key is released once a worker takes the job, migration `0011_sync_state`).
#[must_use]
pub fn sync_key(connection: Uuid) -> String {
    format!("sync:{connection}")
}

/// The job that syncs `connection` of `org` from `now`, keyed so that one is queued at a time
/// (for enqueueing inside another write, such as the one that saves a new connection).
#[must_use]
pub fn sync_job(org: OrgId, connection: Uuid, now: DateTime<Utc>) -> NewJob {
    NewJob {
        kind: SYNC_KIND.to_owned(),
        org: Some(org),
        payload: serde_json::json!({ "connection": connection }).to_string(),
        idempotency_key: Some(sync_key(connection)),
        run_at: now,
        max_attempts: SYNC_MAX_ATTEMPTS,
    }
}

/// Queues a sync of `connection` now (or finds the one already queued). `reason` (`connect`,
/// `webhook`, `poll`, `manual`) is only logged.
///
/// # Errors
/// A storage failure.
pub async fn enqueue(
    ctx: &Context,
    org: OrgId,
    connection: Uuid,
    reason: &str,
) -> Result<JobId, StorageError> {
    let enqueued = ctx
        .store
        .enqueue_job(&sync_job(org, connection, ctx.now()), ctx.now())
        .await?;
    tracing::info!(%connection, reason, new = enqueued.newly_created, "sync queued");
    Ok(enqueued.id)
}

/// Queues a sync of every active connection of every organisation. Returns how many were
/// queued (or found queued).
///
/// # Errors
/// A storage failure (organisations before it keep their queued syncs).
pub async fn poll_all_orgs(ctx: &Context) -> Result<usize, StorageError> {
    let mut queued = 0;
    for org in ctx.store.orgs_across_orgs().await? {
        for connection in ctx.store.active_connections(org.id).await? {
            enqueue(ctx, org.id, connection, "poll").await?;
            queued += 1;
        }
    }
    Ok(queued)
}

fn job_error(e: &SyncError) -> JobError {
    match e {
        SyncError::Dead => JobError::permanent("the connection needs to be reconnected"),
        SyncError::Permanent(m) => JobError::permanent(m.clone()),
        SyncError::Retry(m) => JobError::retry(m.clone()),
        SyncError::Storage(_) => JobError::retry("the database refused the sync"),
    }
}

/// Registers [`SYNC_KIND`] (on demand) and [`POLL_KIND`] (hourly, once per instance).
pub fn register(registry: &mut Registry, ctx: &Context) {
    let sync_ctx = ctx.clone();
    registry.register(
        SYNC_KIND,
        KindOptions {
            max_attempts: SYNC_MAX_ATTEMPTS,
            schedule: None,
        },
        move |job: Job| {
            let ctx = sync_ctx.clone();
            async move {
                let org = job
                    .org
                    .ok_or_else(|| JobError::permanent("a sync job needs its organisation"))?;
                let payload: SyncPayload = job.payload()?;
                sync_connection(&ctx, org, payload.connection)
                    .await
                    .map(|_| ())
                    .map_err(|e| {
                        tracing::warn!(error = %ErrorChain(&e), connection = %payload.connection, "sync failed");
                        job_error(&e)
                    })
            }
        },
    );
    let poll_ctx = ctx.clone();
    registry.register(
        POLL_KIND,
        KindOptions {
            max_attempts: 3,
            schedule: Some(Schedule {
                period: Period::Hourly,
                per_org: false,
            }),
        },
        move |_job: Job| {
            let ctx = poll_ctx.clone();
            async move {
                poll_all_orgs(&ctx).await.map(|_| ()).map_err(|e| {
                    tracing::error!(error = %ErrorChain(&e), "the sync poll failed");
                    JobError::retry("the database refused the sync poll")
                })
            }
        },
    );
}

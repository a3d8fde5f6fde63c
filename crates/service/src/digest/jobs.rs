//! The weekly digest as jobs. [`DIGEST_WEEKLY`] runs once a week per organisation (Monday
//! 08:00 in its time zone) and enqueues one [`DIGEST_SEND`] per recipient; each send composes
//! the organisation's digest (from the cached analysis), renders it for that member and hands
//! it to the mailer. A failed message retries alone, never the batch; payloads hold ids and the
//! week, never figures.

use super::{compose_digest, digest_links, render_digest, with_narratives};
use crate::Context;
use crate::analysis::with_shown_analysis;
use chrono::Weekday;
use flowsense_core::{ErrorChain, OrgId, UserId};
use flowsense_jobs::{Job, JobError, KindOptions, Period, Registry, Schedule};
use flowsense_storage::{NewJob, Organisation, StorageError};
use serde::{Deserialize, Serialize};

/// Once a week per organisation: enqueues a [`DIGEST_SEND`] for each recipient.
pub const DIGEST_WEEKLY: &str = "digest.weekly";
/// One member's digest of one organisation.
pub const DIGEST_SEND: &str = "digest.send";

/// When the weekly run starts, in each organisation's own time zone.
pub const DIGEST_SCHEDULE: Schedule = Schedule {
    period: Period::Weekly {
        weekday: Weekday::Mon,
        hour: 8,
    },
    per_org: true,
};

/// Attempts at one member's message before it is dead (a mail server down for a while).
const SEND_ATTEMPTS: i64 = 6;

/// What the scheduler gives a weekly job: the week's key (its Monday, local date).
#[derive(Debug, Deserialize)]
struct WeeklyPayload {
    period: String,
}

/// A [`DIGEST_SEND`] job's payload: ids and the week, nothing else.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SendPayload {
    pub org: OrgId,
    pub user: UserId,
    pub week: String,
}

/// Registers [`DIGEST_WEEKLY`] and [`DIGEST_SEND`], run against `ctx` (its store, clock,
/// mailer, analytics cache, public URL and key).
pub fn register(registry: &mut Registry, ctx: Context) {
    let weekly_ctx = ctx.clone();
    registry.register(
        DIGEST_WEEKLY,
        KindOptions {
            max_attempts: 5,
            schedule: Some(DIGEST_SCHEDULE),
        },
        move |job: Job| {
            let ctx = weekly_ctx.clone();
            async move { enqueue_week(&ctx, &job).await }
        },
    );
    registry.register(
        DIGEST_SEND,
        KindOptions {
            max_attempts: SEND_ATTEMPTS,
            schedule: None,
        },
        move |job: Job| {
            let ctx = ctx.clone();
            async move { send_one(&ctx, &job).await }
        },
    );
}

fn storage_failed(e: &StorageError, what: &'static str) -> JobError {
    tracing::error!(error = %ErrorChain(e), "{what}");
    JobError::retry(what)
}

/// The organisation of a job, `None` when it was deleted meanwhile (nothing left to do).
async fn org_of(ctx: &Context, org: OrgId) -> Result<Option<Organisation>, JobError> {
    match ctx.store.org(org).await {
        Ok(o) => Ok(Some(o)),
        Err(StorageError::NotFound) => Ok(None),
        Err(e) => Err(storage_failed(&e, "the organisation could not be read")),
    }
}

/// Whether `org` has books to write about (loads its analysis into the cache, which the sends
/// then share).
async fn has_books(ctx: &Context, org: &Organisation) -> Result<bool, JobError> {
    with_shown_analysis(ctx, org, |a| a.has_data())
        .await
        .map_err(|e| {
            tracing::error!(error = %ErrorChain(&e), "the books could not be analysed");
            JobError::retry("the books could not be analysed")
        })
}

#[tracing::instrument(skip_all, fields(job = %job.id))]
async fn enqueue_week(ctx: &Context, job: &Job) -> Result<(), JobError> {
    let org = job
        .org
        .ok_or_else(|| JobError::permanent("a weekly digest job names no organisation"))?;
    let week = job.payload::<WeeklyPayload>()?.period;
    let Some(org) = org_of(ctx, org).await? else {
        return Ok(());
    };
    if !org.settings.digests_enabled {
        tracing::info!(org = %org.id, "digests are off for this organisation");
        return Ok(());
    }
    if !has_books(ctx, &org).await? {
        tracing::info!(org = %org.id, "no books yet: no digest this week");
        return Ok(());
    }
    let recipients = ctx
        .store
        .weekly_digest_recipients(org.id)
        .await
        .map_err(|e| storage_failed(&e, "the recipients could not be read"))?;
    let now = ctx.now();
    let mut created = 0;
    for r in &recipients {
        let payload = SendPayload {
            org: org.id,
            user: r.user,
            week: week.clone(),
        };
        let job = NewJob {
            kind: DIGEST_SEND.to_owned(),
            org: Some(org.id),
            payload: serde_json::to_string(&payload)
                .map_err(|_| JobError::permanent("the digest payload does not serialise"))?,
            // A weekly job that runs again enqueues nobody twice.
            idempotency_key: Some(format!("digest:{}:{}:{week}", org.id, r.user)),
            run_at: now,
            max_attempts: SEND_ATTEMPTS,
        };
        let enqueued = ctx
            .store
            .enqueue_job(&job, now)
            .await
            .map_err(|e| storage_failed(&e, "a digest could not be enqueued"))?;
        created += usize::from(enqueued.newly_created);
    }
    tracing::info!(org = %org.id, recipients = recipients.len(), created, "weekly digests enqueued");
    Ok(())
}

#[tracing::instrument(skip_all, fields(job = %job.id))]
async fn send_one(ctx: &Context, job: &Job) -> Result<(), JobError> {
    let p: SendPayload = job.payload()?;
    let Some(org) = org_of(ctx, p.org).await? else {
        return Ok(());
    };
    if !org.settings.digests_enabled {
        return Ok(());
    }
    // Asked again now: whoever left, opted out or unsubscribed since the week began gets nothing.
    let Some(recipient) = ctx
        .store
        .weekly_digest_recipient(org.id, p.user)
        .await
        .map_err(|e| storage_failed(&e, "the recipient could not be read"))?
    else {
        tracing::info!(org = %org.id, user = %p.user, "no longer a recipient: nothing sent");
        return Ok(());
    };
    let (id, slug, name) = (org.id, org.slug.clone(), org.name.clone());
    let digest = with_shown_analysis(ctx, &org, move |a| compose_digest(a, id, &slug, &name))
        .await
        .map_err(|e| {
            tracing::error!(error = %ErrorChain(&e), "the books could not be analysed");
            JobError::retry("the books could not be analysed")
        })?;
    if !digest.has_data {
        return Ok(());
    }
    let digest = with_narratives(ctx, &org, digest)
        .await
        .map_err(|e| storage_failed(&e, "the insight narratives could not be read"))?;
    let links = digest_links(
        &ctx.public_url,
        &super::unsubscribe_key(ctx),
        p.user,
        org.id,
    );
    let email = render_digest(&digest, &recipient.email, &links).map_err(|e| {
        tracing::error!(error = %ErrorChain(&e), "the digest could not be rendered");
        JobError::permanent("the digest could not be rendered")
    })?;
    crate::email::send(ctx, &email).await?;
    tracing::info!(org = %org.id, user = %p.user, "digest sent");
    Ok(())
}

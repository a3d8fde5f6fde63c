//! Retention (SPEC §6): the nightly purge of each organisation's raw transactions older than its
//! `retention_days`, after adding them to the rollups the analytics read over purged history,
//! and of its assistant conversations older than `min(retention_days, 90)` days.
//!
//! The cutoff is a day in the organisation's own time zone: with `retention_days = 90` on
//! 2026-12-02 (its local date), the cutoff is 2026-09-03, and every transaction dated before it
//! goes while the one dated 2026-09-03 stays (the cutoff day is kept). Each batch is its own
//! write transaction of at most [`PURGE_BATCH_ROWS`] rows, so a purge stopped at any point
//! (a kill, a deploy) has lost nothing and double-counted nothing, and the next run carries on.
//! With `keep_monthly_rollups` off, the rows are deleted without keeping any totals, and the
//! reports then see nothing of the purged months.

use crate::Context;
use crate::orgs::{OrgAccess, OrgError};
use chrono::{DateTime, Days, NaiveDate, TimeDelta, Utc};
use flowsense_core::{ErrorChain, OrgId};
use flowsense_storage::{AuditFilter, NewAuditEvent, Organisation, StorageError, Store};
use serde::{Deserialize, Serialize};

/// Rows per purge batch: a few tens of milliseconds of writing, so another organisation's
/// import waits at most that long for the database.
pub const PURGE_BATCH_ROWS: u32 = 10_000;

/// The hour (UTC) the nightly purge is scheduled for, once for the whole instance.
pub const NIGHTLY_PURGE_HOUR_UTC: u32 = 3;

/// The audit action of a purge; its details are a [`PurgeRecord`].
pub const PURGE_AUDIT_ACTION: &str = "retention.purge";

/// The longest assistant conversations are kept, whatever the transaction retention.
pub const MAX_CONVERSATION_DAYS: i64 = 90;

/// How long audit events are kept: two years, twice the twelve months SECURITY-CHECKLIST A12
/// asks for (PostgreSQL refuses to purge any event of the last 365 days whatever this says).
/// The purge removes the oldest events as a prefix of the organisation's hash chain and keeps
/// the hash of the last one removed, so the rest still verifies.
pub const AUDIT_RETENTION_DAYS: i64 = 730;

/// Why a purge stopped. Carries no amounts; a batch that failed was rolled back whole.
#[derive(Debug, thiserror::Error)]
pub enum RetentionError {
    #[error("the database failed during the retention purge")]
    Storage(#[from] StorageError),
}

/// What the purge of one organisation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurgeOutcome {
    pub org: OrgId,
    /// Transactions dated before this day (in the organisation's time zone) were purged.
    pub cutoff: NaiveDate,
    pub transactions_purged: u64,
    pub batches: u64,
    /// False when the organisation turned `keep_monthly_rollups` off: no totals were kept.
    pub rollups_kept: bool,
    pub conversations_purged: u64,
    /// Audit events older than [`AUDIT_RETENTION_DAYS`] removed.
    pub audit_events_purged: u64,
}

/// What a run over every organisation did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetentionSummary {
    pub orgs_purged: u64,
    /// Organisations whose purge failed (logged with the cause); the next run retries them.
    pub orgs_failed: u64,
    pub transactions_purged: u64,
    pub conversations_purged: u64,
}

/// The first day an organisation keeps: `retention_days` before today in `time_zone` (an
/// unknown zone counts as UTC, as elsewhere). At least one day is always kept.
#[must_use]
pub fn retention_cutoff(now: DateTime<Utc>, time_zone: &str, retention_days: i64) -> NaiveDate {
    let zone: chrono_tz::Tz = time_zone.parse().unwrap_or(chrono_tz::UTC);
    let today = now.with_timezone(&zone).date_naive();
    let days = u64::try_from(retention_days.max(1)).unwrap_or(1);
    today
        .checked_sub_days(Days::new(days))
        .unwrap_or(NaiveDate::MIN)
}

/// Purges one organisation as of `now`: its transactions before its cutoff, a batch at a time
/// until none is left, then its old conversations; records one `retention.purge` audit entry
/// with the counts (never amounts).
///
/// # Errors
/// `Storage` when the organisation cannot be read or a batch fails; the batches committed
/// before stay committed and the next run continues after them.
pub async fn purge_org(
    store: &Store,
    org: OrgId,
    now: DateTime<Utc>,
) -> Result<PurgeOutcome, RetentionError> {
    let organisation = store.org(org).await?;
    purge_organisation(store, &organisation, now).await
}

async fn purge_organisation(
    store: &Store,
    organisation: &Organisation,
    now: DateTime<Utc>,
) -> Result<PurgeOutcome, RetentionError> {
    let org = organisation.id;
    let settings = &organisation.settings;
    let cutoff = retention_cutoff(now, &settings.time_zone, settings.retention_days);
    let mut outcome = PurgeOutcome {
        org,
        cutoff,
        transactions_purged: 0,
        batches: 0,
        rollups_kept: settings.keep_monthly_rollups,
        conversations_purged: 0,
        audit_events_purged: 0,
    };
    loop {
        let batch = store
            .purge_transactions_before(org, cutoff, PURGE_BATCH_ROWS)
            .await?;
        outcome.transactions_purged += batch.purged;
        if batch.purged > 0 {
            outcome.batches += 1;
        }
        // Nothing purged with rows left means another writer holds them: the next run will.
        if !batch.more || batch.purged == 0 {
            break;
        }
        // Let requests on this runtime go first between two batches.
        tokio::task::yield_now().await;
    }
    let conversation_days = settings.retention_days.clamp(1, MAX_CONVERSATION_DAYS);
    outcome.conversations_purged = store
        .purge_conversations_before(
            org,
            now.checked_sub_signed(TimeDelta::days(conversation_days))
                .unwrap_or(DateTime::<Utc>::MIN_UTC),
        )
        .await?;
    outcome.audit_events_purged = store
        .purge_audit_events_before(
            org,
            now.checked_sub_signed(TimeDelta::days(AUDIT_RETENTION_DAYS))
                .unwrap_or(DateTime::<Utc>::MIN_UTC),
        )
        .await?;
    store
        .record_audit(
            org,
            &NewAuditEvent {
                actor: None,
                action: PURGE_AUDIT_ACTION.into(),
                target: cutoff.to_string(),
                ip: String::new(),
                details: serde_json::to_value(PurgeRecord::of(&outcome))
                    .unwrap_or(serde_json::Value::Null),
            },
        )
        .await?;
    tracing::info!(
        %org,
        transactions = outcome.transactions_purged,
        batches = outcome.batches,
        conversations = outcome.conversations_purged,
        audit_events = outcome.audit_events_purged,
        "retention purge finished"
    );
    Ok(outcome)
}

/// What the audit log keeps of one organisation's purge: counts and the cutoff, never amounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurgeRecord {
    pub cutoff: NaiveDate,
    pub transactions_purged: u64,
    pub batches: u64,
    pub rollups_kept: bool,
    pub conversations_purged: u64,
}

impl PurgeRecord {
    fn of(outcome: &PurgeOutcome) -> Self {
        Self {
            cutoff: outcome.cutoff,
            transactions_purged: outcome.transactions_purged,
            batches: outcome.batches,
            rollups_kept: outcome.rollups_kept,
            conversations_purged: outcome.conversations_purged,
        }
    }
}

/// The organisation's most recent purge, from its audit log (for its admins' settings page):
/// when it ran and what it did. `None` before the first.
///
/// # Errors
/// A database failure.
#[tracing::instrument(skip_all, fields(org = %who.org, user = %who.user))]
pub async fn last_purge(
    ctx: &Context,
    who: &OrgAccess,
) -> Result<Option<(DateTime<Utc>, PurgeRecord)>, OrgError> {
    let filter = AuditFilter {
        action: Some(PURGE_AUDIT_ACTION.into()),
        before: None,
        limit: 1,
    };
    let page = ctx.store.audit_page(who.org, &filter).await?;
    Ok(page.items.into_iter().next().and_then(|entry| {
        let record = serde_json::from_value(entry.event.details).ok()?;
        Some((entry.event.created_at, record))
    }))
}

/// Purges every organisation as of `now`, one after another (each in bounded batches). A
/// failure stops only that organisation's purge (it is logged and counted); rerunning after
/// a kill or a failure is safe and continues where the last run stopped.
///
/// # Errors
/// `Storage` only when the organisations cannot be listed.
pub async fn purge_all_orgs(
    store: &Store,
    now: DateTime<Utc>,
) -> Result<RetentionSummary, RetentionError> {
    let mut summary = RetentionSummary::default();
    for organisation in store.orgs_across_orgs().await? {
        match purge_organisation(store, &organisation, now).await {
            Ok(outcome) => {
                summary.orgs_purged += 1;
                summary.transactions_purged += outcome.transactions_purged;
                summary.conversations_purged += outcome.conversations_purged;
            }
            Err(e) => {
                summary.orgs_failed += 1;
                tracing::warn!(org = %organisation.id, error = %ErrorChain(&e), "retention purge failed");
            }
        }
    }
    Ok(summary)
}

//! The jobs FlowSense itself needs, whatever else is registered: the hourly clean-up of what
//! has expired.

use crate::handler::{Job, JobError, KindOptions, Registry};
use crate::schedule::{Period, Schedule};
use chrono::{Months, TimeDelta};
use flowsense_core::ErrorChain;
use flowsense_core::clock::Clock;
use flowsense_storage::{StorageError, Store};
use std::sync::Arc;

/// Deletes expired sessions, API tokens, invitations and OAuth states, old cron nonces, webhook
/// deliveries beyond [`WEBHOOK_DELIVERIES_KEPT_DAYS`], and finished jobs beyond
/// [`FINISHED_JOBS_KEPT_DAYS`], and AI call records older than [`AI_CALLS_KEPT_MONTHS`].
/// Hourly, once per instance.
pub const CLEANUP_EXPIRED: &str = "cleanup.expired";

/// Days a succeeded or cancelled job stays visible to operators.
pub const FINISHED_JOBS_KEPT_DAYS: i64 = 7;

/// Days a webhook delivery's id is remembered: past every provider's retries (Xero retries for
/// 24 hours, Intuit for about 100 minutes), so a replay inside them is recognised.
pub const WEBHOOK_DELIVERIES_KEPT_DAYS: i64 = 7;

/// Months a record of an AI call is kept (what was sent, never the content).
pub const AI_CALLS_KEPT_MONTHS: u32 = 13;

/// Registers [`CLEANUP_EXPIRED`]; `session_idle` is the session idle timeout in force.
pub fn register_cleanup(
    registry: &mut Registry,
    store: Store,
    clock: Arc<dyn Clock>,
    session_idle: TimeDelta,
) {
    let options = KindOptions {
        max_attempts: 3,
        schedule: Some(Schedule {
            period: Period::Hourly,
            per_org: false,
        }),
    };
    registry.register(CLEANUP_EXPIRED, options, move |_job: Job| {
        let store = store.clone();
        let clock = clock.clone();
        async move {
            clean_up_expired(&store, &*clock, session_idle)
                .await
                .map_err(|e| {
                    tracing::error!(error = %ErrorChain(&e), "the clean-up failed");
                    JobError::retry("the database refused the clean-up")
                })
        }
    });
}

async fn clean_up_expired(
    store: &Store,
    clock: &dyn Clock,
    session_idle: TimeDelta,
) -> Result<(), StorageError> {
    let now = clock.now();
    let sessions = store
        .delete_expired_sessions_across_orgs(now, now - session_idle)
        .await?;
    let tokens = store.delete_expired_api_tokens_across_orgs(now).await?;
    let mut invitations = 0;
    for org in store.orgs_across_orgs().await? {
        invitations += store.delete_expired_invitations(org.id, now).await?;
    }
    // A nonce older than twice the window can never make a request acceptable again.
    let nonces = store
        .purge_cron_nonces(now - TimeDelta::seconds(2 * crate::cron::WINDOW_SECONDS))
        .await?;
    let oauth_states = store.delete_expired_oauth_states_across_orgs(now).await?;
    let sso_states = store.purge_sso_states(now).await?;
    let pending_grants = store.delete_expired_pending_grants_across_orgs(now).await?;
    let pending_uploads = store
        .delete_expired_pending_uploads_across_orgs(now)
        .await?;
    let passkey_ceremonies = store.delete_expired_webauthn_ceremonies(now).await?;
    let deliveries = store
        .purge_webhook_deliveries(now - TimeDelta::days(WEBHOOK_DELIVERIES_KEPT_DAYS))
        .await?;
    let jobs = store
        .purge_finished_jobs_across_orgs(now - TimeDelta::days(FINISHED_JOBS_KEPT_DAYS))
        .await?;
    let ai_calls = match now.checked_sub_months(Months::new(AI_CALLS_KEPT_MONTHS)) {
        Some(cutoff) => store.purge_ai_calls_across_orgs(cutoff).await?,
        None => 0,
    };
    tracing::info!(
        sessions,
        tokens,
        invitations,
        nonces,
        oauth_states,
        sso_states,
        pending_grants,
        pending_uploads,
        passkey_ceremonies,
        deliveries,
        jobs,
        ai_calls,
        "removed what had expired"
    );
    Ok(())
}

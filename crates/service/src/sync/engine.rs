//! One sync of one connection: a usable token, then page after page from the provider's
//! [`Source`], each applied with its cursor in one transaction (so a sync killed at any moment
//! loses nothing and doubles nothing), then the result recorded.
//!
//! Failures: a refused refresh token (`invalid_grant`, revoked consent) marks the connection
//! `dead` and is permanent; throttling waits for `Retry-After` and reads again (up to
//! [`MAX_THROTTLE_WAITS`] times a run, each at most [`MAX_RETRY_AFTER`]), then leaves it to the
//! job queue's retry; 5xx and timeouts (after the client's own retries) go to the queue's retry
//! with backoff, the cursor keeping the progress made.

use super::quickbooks::QuickBooksSource;
use super::source::{FullReadPage, Source, SourceError};
use super::tokens::{QuickBooksRefresher, Refresher, TokenError, XeroRefresher, usable_token};
use super::xero::XeroSource;
use crate::Context;
use chrono::Duration;
use flowsense_core::OrgId;
use flowsense_storage::{AppliedCounts, StorageError, SyncState, SyncedPage};
use uuid::Uuid;

/// Throttle waits one run sits out before leaving the rest to the queue's retry.
pub const MAX_THROTTLE_WAITS: u32 = 30;
/// The longest `Retry-After` a run waits in place.
pub const MAX_RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(120);
/// When the next sync of an up-to-date connection is due (the hourly poll).
pub const NEXT_SYNC_MINUTES: i64 = 60;

/// What one sync did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Pages applied.
    pub pages: usize,
    /// Requests made to the provider (token refreshes not counted).
    pub requests: usize,
    pub counts: AppliedCounts,
    /// The connection was dead or disconnected: nothing was read.
    pub skipped: bool,
}

/// Why a sync stopped.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// Only reconnecting helps (the connection is now `dead`): never retried.
    #[error("the connection needs to be reconnected")]
    Dead,
    /// Worth another attempt later.
    #[error("{0}")]
    Retry(String),
    /// Will fail again however often it runs.
    #[error("{0}")]
    Permanent(String),
    #[error("storage failed")]
    Storage(#[source] StorageError),
}

impl From<StorageError> for SyncError {
    fn from(e: StorageError) -> Self {
        SyncError::Storage(e)
    }
}

struct Run {
    source: Box<dyn Source>,
    refresher: Box<dyn Refresher>,
    provider: String,
}

/// Builds the provider's source and refresher for this connection.
fn open_run(
    ctx: &Context,
    provider: &str,
    tenant: &str,
    home: flowsense_core::Currency,
    cursor: Option<&str>,
) -> Result<Run, SyncError> {
    match provider {
        "quickbooks" => {
            let qb = ctx.providers.quickbooks.clone().ok_or_else(|| {
                SyncError::Permanent("QuickBooks is not configured on this instance".into())
            })?;
            let source = QuickBooksSource::new(qb.clone(), ctx.clock.clone(), tenant, home, cursor)
                .map_err(|e| SyncError::Permanent(e.to_string()))?;
            Ok(Run {
                source: Box::new(source),
                refresher: Box::new(QuickBooksRefresher(qb)),
                provider: provider.to_owned(),
            })
        }
        "xero" => {
            let xero = ctx.providers.xero.clone().ok_or_else(|| {
                SyncError::Permanent("Xero is not configured on this instance".into())
            })?;
            let source = XeroSource::new(xero.clone(), ctx.clock.clone(), tenant, home, cursor)
                .map_err(|e| SyncError::Permanent(e.to_string()))?;
            Ok(Run {
                source: Box::new(source),
                refresher: Box::new(XeroRefresher(xero)),
                provider: provider.to_owned(),
            })
        }
        other => Err(SyncError::Permanent(format!(
            "no sync source for provider {other}"
        ))),
    }
}

async fn fail(
    ctx: &Context,
    org: OrgId,
    connection: Uuid,
    error: SyncError,
) -> Result<SyncReport, SyncError> {
    match &error {
        SyncError::Dead => {}
        SyncError::Retry(m) | SyncError::Permanent(m) => {
            ctx.store
                .record_sync_failed(org, connection, m, None)
                .await?;
        }
        SyncError::Storage(_) => {
            let _ = ctx
                .store
                .record_sync_failed(org, connection, "the database refused the sync", None)
                .await;
        }
    }
    Err(error)
}

async fn token_failure(
    ctx: &Context,
    org: OrgId,
    connection: Uuid,
    e: TokenError,
) -> Result<SyncReport, SyncError> {
    let error = match e {
        TokenError::Source(SourceError::Dead(why)) => {
            ctx.store
                .mark_connection_dead(
                    org,
                    connection,
                    &format!("the provider refused the refresh token ({why}); reconnect"),
                )
                .await?;
            tracing::warn!(%connection, "the connection is dead: the refresh token was refused");
            SyncError::Dead
        }
        TokenError::Source(SourceError::Permanent(m)) => SyncError::Permanent(m),
        TokenError::Source(e) => SyncError::Retry(e.to_string()),
        TokenError::NoTokens => SyncError::Permanent("the connection has no tokens".into()),
        TokenError::Busy => SyncError::Retry(TokenError::Busy.to_string()),
        TokenError::Storage(e) => SyncError::Storage(e),
    };
    fail(ctx, org, connection, error).await
}

/// Syncs one connection of `org` to the end: backfill or incremental, as its cursor says.
/// Every run that found its connection is counted by provider and outcome
/// ([`crate::Services::sync_counts`], for the metrics).
///
/// # Errors
/// [`SyncError`]: dead (marked so), retryable, permanent, or a storage failure; progress made
/// before the error stays applied.
pub async fn sync_connection(
    ctx: &Context,
    org: OrgId,
    connection: Uuid,
) -> Result<SyncReport, SyncError> {
    let state = match ctx.store.sync_state(org, connection).await {
        Err(StorageError::NotFound) => {
            return Err(SyncError::Permanent("no such connection".into()));
        }
        other => other?,
    };
    let result = sync_from(ctx, org, connection, &state).await;
    ctx.sync_counts.count(&state.provider, &result);
    result
}

/// [`sync_connection`] once the connection's state is read.
async fn sync_from(
    ctx: &Context,
    org: OrgId,
    connection: Uuid,
    state: &SyncState,
) -> Result<SyncReport, SyncError> {
    if matches!(state.status.as_str(), "dead" | "disconnected") {
        return Ok(SyncReport {
            skipped: true,
            ..SyncReport::default()
        });
    }
    let base = ctx.store.org(org).await?.settings.base_currency;
    let mut run = open_run(
        ctx,
        &state.provider,
        &state.tenant_id,
        base,
        state.cursor.as_deref(),
    )?;
    let mut report = SyncReport::default();
    let mut token = match usable_token(ctx, org, connection, run.refresher.as_ref(), None).await {
        Ok(t) => t,
        Err(e) => return token_failure(ctx, org, connection, e).await,
    };
    let mut throttle_waits = 0;
    let mut reauthorised = false;
    loop {
        let margin = ctx.now() + Duration::minutes(super::tokens::REFRESH_MARGIN_MINUTES);
        if token.tokens.expires_at.is_none_or(|e| e <= margin) {
            token = match usable_token(ctx, org, connection, run.refresher.as_ref(), None).await {
                Ok(t) => t,
                Err(e) => return token_failure(ctx, org, connection, e).await,
            };
        }
        let read = run.source.next_page(&token.tokens.access).await;
        report.requests = run.source.requests();
        match read {
            Ok(Some(page)) => {
                reauthorised = false;
                let counts = ctx
                    .store
                    .apply_synced(
                        org,
                        connection,
                        &run.provider,
                        SyncedPage {
                            changes: &page.changes,
                            cursor: &page.cursor,
                            full_read: page.full_read.as_ref().map(FullReadPage::as_storage),
                        },
                        base,
                    )
                    .await;
                match counts {
                    Ok(c) => report.counts.add(c),
                    Err(StorageError::NotFound) => {
                        // Disconnected (or killed off) while this page was read.
                        report.skipped = true;
                        return Ok(report);
                    }
                    Err(e) => return fail(ctx, org, connection, e.into()).await,
                }
                report.pages += 1;
            }
            Ok(None) => break,
            Err(SourceError::ReauthNeeded) if !reauthorised => {
                reauthorised = true;
                let refused = Some(token.version);
                token = match usable_token(ctx, org, connection, run.refresher.as_ref(), refused)
                    .await
                {
                    Ok(t) => t,
                    Err(e) => return token_failure(ctx, org, connection, e).await,
                };
            }
            Err(SourceError::Dead(why)) => {
                return token_failure(ctx, org, connection, SourceError::Dead(why).into()).await;
            }
            Err(SourceError::Throttled { retry_after })
                if throttle_waits < MAX_THROTTLE_WAITS
                    && retry_after.is_none_or(|d| d <= MAX_RETRY_AFTER) =>
            {
                throttle_waits += 1;
                let wait = retry_after.unwrap_or(std::time::Duration::from_secs(1));
                tracing::info!(%connection, wait_s = wait.as_secs(), "throttled; waiting as asked");
                tokio::time::sleep(wait).await;
            }
            Err(SourceError::Permanent(m)) => {
                return fail(ctx, org, connection, SyncError::Permanent(m)).await;
            }
            Err(e) => return fail(ctx, org, connection, SyncError::Retry(e.to_string())).await,
        }
    }
    let now = ctx.now();
    ctx.store
        .record_sync_finished(
            org,
            connection,
            report.counts.total(),
            now,
            Some(now + Duration::minutes(NEXT_SYNC_MINUTES)),
        )
        .await?;
    tracing::info!(
        %connection,
        pages = report.pages,
        requests = report.requests,
        rows = report.counts.total(),
        "sync finished"
    );
    // Changed books deserve fresh narratives (a burst of syncs queues one run).
    if report.counts.total() > 0 {
        crate::ai::narrate::enqueue(ctx, org).await?;
    }
    Ok(report)
}

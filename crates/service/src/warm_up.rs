//! Warming the analytics cache in the background, so that the first dashboard after start-up
//! or after an import finds its figures computed instead of computing them while the person
//! waits. A request that arrives while the warm-up of the same books version runs shares its
//! computation (the cache loads each version once and each report once), so nothing is
//! computed twice.

use crate::analysis::{self, AnalysisError};
use crate::analytics_cache::AnalyticsCache;
use flowsense_core::ErrorChain;
use flowsense_core::OrgId;
use flowsense_storage::{Organisation, Store};
use futures_util::StreamExt;
use std::sync::Arc;

/// Organisations warmed at the same time after start-up: one, so that the warm-up takes one
/// core of the blocking pool and requests keep the rest.
pub const WARM_UP_CONCURRENCY: usize = 1;

/// Loads `org`'s current books into `cache` and computes every report the pages show.
///
/// # Errors
/// A database failure while loading the books; a panic in the engine.
pub async fn warm(
    store: &Store,
    cache: &AnalyticsCache,
    org: &Organisation,
) -> Result<(), AnalysisError> {
    analysis::with_analysis(store, cache, org, analysis::Analysis::compute_all).await
}

async fn warm_by_id(
    store: &Store,
    cache: &AnalyticsCache,
    org: OrgId,
) -> Result<(), AnalysisError> {
    let org = store.org(org).await?;
    warm(store, cache, &org).await
}

/// After an import committed: warms `org`'s new books version without holding up the answer.
pub fn warm_org_in_background(
    store: &Store,
    cache: &Arc<AnalyticsCache>,
    org: OrgId,
) -> tokio::task::JoinHandle<()> {
    let (store, cache) = (store.clone(), cache.clone());
    tokio::spawn(async move {
        if let Err(e) = warm_by_id(&store, &cache, org).await {
            tracing::warn!(%org, error = %ErrorChain(&e), "warming the analytics after an import failed");
        }
    })
}

/// After start-up: warms every organisation (as many as the cache keeps), a few at a time,
/// once the server is listening. Never delays start-up or the health checks.
pub fn warm_all_in_background(
    store: &Store,
    cache: &Arc<AnalyticsCache>,
) -> tokio::task::JoinHandle<()> {
    let (store, cache) = (store.clone(), cache.clone());
    tokio::spawn(async move {
        // Let the server take its first requests before the warm-up takes a core.
        tokio::task::yield_now().await;
        let orgs = match store.orgs_across_orgs().await {
            Ok(orgs) => orgs,
            Err(e) => {
                tracing::warn!(error = %ErrorChain(&e), "listing organisations to warm the analytics failed");
                return;
            }
        };
        let started = std::time::Instant::now();
        let count = orgs.len().min(cache.max_orgs());
        futures_util::stream::iter(orgs.into_iter().take(count))
            .for_each_concurrent(WARM_UP_CONCURRENCY, |org| {
                let (store, cache) = (&store, &cache);
                async move {
                    if let Err(e) = warm(store, cache, &org).await {
                        tracing::warn!(org = %org.id, error = %ErrorChain(&e), "warming the analytics failed");
                    }
                }
            })
            .await;
        tracing::info!(
            organisations = count,
            elapsed_ms = started.elapsed().as_millis(),
            "analytics warmed"
        );
    })
}

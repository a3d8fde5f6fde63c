//! The job kinds this binary runs, and `flowsense worker`: workers and the scheduler without
//! the web server (`serve` runs the same inside itself unless `FLOWSENSE_WORKERS=0`).

use crate::cli::WorkerArgs;
use crate::settings::Settings;
use anyhow::Result;
use flowsense_core::clock::{Clock, SystemClock};
use flowsense_jobs::{Registry, builtin, run_background};
use flowsense_storage::Store;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Every job kind of the binary with its handler. Each process builds the same registry, so
/// any worker can run any job.
pub(crate) fn job_registry(settings: &Settings, store: &Store, clock: &Arc<dyn Clock>) -> Registry {
    let mut registry = Registry::new();
    builtin::register_cleanup(
        &mut registry,
        store.clone(),
        clock.clone(),
        chrono::TimeDelta::minutes(settings.session_idle_minutes),
    );
    registry
}

pub async fn run_worker(settings: &Settings, args: &WorkerArgs) -> Result<()> {
    let store = super::open_store(settings, false).await?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let registry = Arc::new(job_registry(settings, &store, &clock));
    let concurrency = args.concurrency.unwrap_or(settings.workers).max(1);
    let shutdown = CancellationToken::new();
    let mut tasks = run_background(&store, &registry, &clock, concurrency, &shutdown);
    tracing::info!(concurrency, kinds = ?registry, "worker running");
    super::shutdown_signal().await;
    shutdown.cancel();
    while tasks.join_next().await.is_some() {}
    store.close().await;
    Ok(())
}

//! The job kinds this binary runs, and `flowsense worker`: workers and the scheduler without
//! the web server (`serve` runs the same inside itself unless `FLOWSENSE_WORKERS=0`).

use crate::cli::WorkerArgs;
use crate::settings::Settings;
use anyhow::{Context as _, Result};
use flowsense_core::ErrorChain;
use flowsense_core::clock::Clock;
use flowsense_jobs::{
    Job, JobError, KindOptions, Period, Registry, Schedule, builtin, run_background,
};
use flowsense_service::{Context, ContextSettings};
use flowsense_storage::Store;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Every job kind of the binary with its handler, run against the services' `ctx`. Each
/// process builds the same registry, so any worker can run any job.
pub(crate) fn job_registry(settings: &Settings, ctx: &Context) -> Registry {
    let mut registry = Registry::new();
    builtin::register_cleanup(
        &mut registry,
        ctx.store.clone(),
        ctx.clock.clone(),
        chrono::TimeDelta::minutes(settings.session_idle_minutes),
    );
    register_retention(&mut registry, ctx.store.clone(), ctx.clock.clone());
    flowsense_service::digest::register(&mut registry, ctx.clone());
    registry
}

/// The nightly purge of what each organisation's retention setting no longer keeps (SPEC §6).
pub const RETENTION_PURGE: &str = "retention.purge";

/// Registers [`RETENTION_PURGE`]: once a night for the instance, at 03:00 UTC; each
/// organisation's cutoff is computed in its own time zone. A killed run resumes where it
/// stopped (each batch is its own transaction).
fn register_retention(registry: &mut Registry, store: Store, clock: Arc<dyn Clock>) {
    let options = KindOptions {
        max_attempts: 5,
        schedule: Some(Schedule {
            period: Period::Nightly { hour: 3 },
            per_org: false,
        }),
    };
    registry.register(RETENTION_PURGE, options, move |_job: Job| {
        let store = store.clone();
        let clock = clock.clone();
        async move {
            let summary = flowsense_service::retention::purge_all_orgs(&store, clock.now())
                .await
                .map_err(|e| {
                    tracing::error!(error = %ErrorChain(&e), "the retention purge failed");
                    JobError::retry("the database refused the retention purge")
                })?;
            if summary.orgs_failed > 0 {
                return Err(JobError::retry(format!(
                    "{} organisations could not be purged",
                    summary.orgs_failed
                )));
            }
            Ok(())
        }
    });
}

pub async fn run_worker(settings: &Settings, args: &WorkerArgs) -> Result<()> {
    let store = super::open_store(settings, false).await?;
    let (key, mailer) = super::serve::key_and_mailer(settings, &store).await?;
    let public_url = settings
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", settings.addr));
    let ctx = Context::new(
        store.clone(),
        key,
        mailer,
        &ContextSettings::new(&public_url),
    )
    .context("preparing the worker")?;
    let clock: Arc<dyn Clock> = ctx.clock.clone();
    let registry = Arc::new(job_registry(settings, &ctx));
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

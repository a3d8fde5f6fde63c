//! FlowSense background work over the database-backed queue of `flowsense-storage`.
//!
//! - [`Registry`]: a [`Handler`] per job kind, with its attempt limit and optional [`Schedule`].
//! - [`Worker`]: claims due jobs under a lease, runs them, renews the lease while they run,
//!   records success, a retry with backoff, or death; graceful shutdown hands jobs back.
//! - [`Scheduler`]: enqueues each periodic kind once per period across any number of instances.
//! - [`cron`]: signing and verifying `POST /api/cron/{job}` requests.
//! - [`run_background`]: workers and the scheduler together, as `serve` and `flowsense worker`
//!   run them.

pub mod builtin;
pub mod cron;
mod handler;
mod schedule;
mod worker;

pub use handler::{Handler, Job, JobError, KindOptions, Registry};
pub use schedule::{Period, Schedule, Scheduler};
pub use worker::{Worker, WorkerConfig};

use flowsense_core::clock::Clock;
use flowsense_storage::Store;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// How often the scheduler looks for due periods.
pub const SCHEDULER_TICK: Duration = Duration::from_secs(60);

/// Starts a worker running up to `workers` jobs at once, each claimed for `lease` at a time
/// (renewed while it runs; a process killed mid-job leaves the job to another worker once it
/// lapses), and, when `workers` is at least one, the scheduler. They stop when `shutdown` is
/// cancelled; await the returned set to let running jobs finish (or be handed back) first.
#[must_use]
pub fn run_background(
    store: &Store,
    registry: &Arc<Registry>,
    clock: &Arc<dyn Clock>,
    workers: usize,
    lease: Duration,
    shutdown: &CancellationToken,
) -> JoinSet<()> {
    let mut tasks = JoinSet::new();
    if workers == 0 {
        return tasks;
    }
    let worker = Worker::new(
        store.clone(),
        registry.clone(),
        clock.clone(),
        WorkerConfig {
            lease,
            ..WorkerConfig::new(workers, 0)
        },
    );
    tasks.spawn(worker.run(shutdown.clone()));
    let scheduler = Scheduler::new(store.clone(), registry.clone(), clock.clone());
    tasks.spawn(scheduler.run(SCHEDULER_TICK, shutdown.clone()));
    tasks
}

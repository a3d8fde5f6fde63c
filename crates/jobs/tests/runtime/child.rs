//! This test binary re-executed as a separate worker process (`FLOWSENSE_JOBS_CHILD` set);
//! as an ordinary test it does nothing.

use crate::support::register_recording;
use flowsense_core::clock::{Clock, SystemClock};
use flowsense_jobs::{Job, KindOptions, Registry, Scheduler, Worker, WorkerConfig};
use flowsense_storage::{OpenOptions, Store};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The test to name when re-executing this binary.
pub const ENTRY: &str = "child::child_process_worker";

/// Periodic kinds the scheduling processes register.
pub fn periodic_kinds() -> [(&'static str, flowsense_jobs::Schedule); 2] {
    use flowsense_jobs::{Period, Schedule};
    [
        (
            "hourly",
            Schedule {
                period: Period::Hourly,
                per_org: false,
            },
        ),
        (
            "nightly",
            Schedule {
                period: Period::Nightly { hour: 3 },
                per_org: true,
            },
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[expect(
    clippy::disallowed_methods,
    reason = "the parent test hands this process its role and database through the environment"
)]
async fn child_process_worker() {
    let Ok(mode) = std::env::var("FLOWSENSE_JOBS_CHILD") else {
        return;
    };
    let var = |name: &str| std::env::var(name).unwrap();
    let store = Store::open(&var("FLOWSENSE_JOBS_CHILD_URL"), &OpenOptions::default())
        .await
        .unwrap();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let mut registry = Registry::new();
    let config = WorkerConfig {
        owner: var("FLOWSENSE_JOBS_CHILD_OWNER"),
        concurrency: 2,
        lease: Duration::from_millis(1_500),
        poll_interval: Duration::from_millis(20),
        grace_period: Duration::from_secs(1),
    };
    let shutdown = CancellationToken::new();
    match mode.as_str() {
        // Takes the job and never finishes it: the parent kills this process mid-job.
        "block" => {
            registry.register("block", KindOptions::default(), |_job: Job| async {
                tokio::time::sleep(Duration::from_secs(3_600)).await;
                Ok(())
            });
            Worker::new(store, Arc::new(registry), clock, config)
                .run(shutdown)
                .await;
        }
        // Schedules and runs periodic jobs for a while, then stops.
        "schedule" => {
            for (kind, schedule) in periodic_kinds() {
                let options = KindOptions {
                    max_attempts: 3,
                    schedule: Some(schedule),
                };
                register_recording(&mut registry, kind, options, &store, &clock);
            }
            let registry = Arc::new(registry);
            let scheduler = Scheduler::new(store.clone(), registry.clone(), clock.clone());
            let worker = Worker::new(store, registry, clock, config);
            let stop = shutdown.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_secs(3)).await;
                stop.cancel();
            });
            tokio::join!(
                scheduler.run(Duration::from_millis(25), shutdown.clone()),
                worker.run(shutdown.clone())
            );
        }
        other => panic!("unknown child mode {other}"),
    }
}

//! The worker: claims due jobs up to its concurrency, runs their handlers while renewing their
//! leases, and records the outcome. On shutdown it stops claiming, lets running jobs finish
//! within a grace period and hands the rest back to the queue.

use crate::handler::{Job, JobError, Registry};
use chrono::TimeDelta;
use flowsense_core::ErrorChain;
use flowsense_core::clock::Clock;
use flowsense_storage::{ClaimedJob, FailOutcome, JobId, StorageError, Store};
use futures_util::FutureExt;
use std::collections::HashSet;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// How a worker runs.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Names this worker in leases (`host:pid:n` by default); must differ between workers.
    pub owner: String,
    /// Jobs run at once.
    pub concurrency: usize,
    /// How long a claim lasts without renewal; renewed every third of it while the job runs.
    pub lease: Duration,
    /// How long to wait for new jobs when the queue is empty (a job this process enqueues
    /// wakes the worker at once).
    pub poll_interval: Duration,
    /// How long running jobs may take to finish after shutdown before they are handed back.
    pub grace_period: Duration,
}

impl WorkerConfig {
    /// Defaults for a worker named after this host and process (plus `n`, for several workers
    /// in one process).
    #[must_use]
    pub fn new(concurrency: usize, n: usize) -> Self {
        #[expect(
            clippy::disallowed_methods,
            reason = "the operating system's host name only labels this worker's leases; it configures nothing"
        )]
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "localhost".into());
        Self {
            owner: format!("{host}:{}:{n}", std::process::id()),
            concurrency: concurrency.max(1),
            lease: Duration::from_secs(60),
            poll_interval: Duration::from_secs(1),
            grace_period: Duration::from_secs(20),
        }
    }
}

/// Runs jobs from the queue with the handlers of a registry.
pub struct Worker {
    store: Store,
    registry: Arc<Registry>,
    clock: Arc<dyn Clock>,
    config: WorkerConfig,
    running: Arc<Mutex<HashSet<JobId>>>,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Worker {
    #[must_use]
    pub fn new(
        store: Store,
        registry: Arc<Registry>,
        clock: Arc<dyn Clock>,
        config: WorkerConfig,
    ) -> Self {
        Self {
            store,
            registry,
            clock,
            config,
            running: Arc::new(Mutex::new(HashSet::new())),
        }
    }

    /// Claims up to the concurrency's worth of due jobs and runs them to the end. Returns how
    /// many it ran (tests and one-shot runs).
    ///
    /// # Errors
    /// When the claim fails.
    pub async fn run_once(&self) -> Result<usize, StorageError> {
        let mut tasks = JoinSet::new();
        let claimed = self.claim(self.config.concurrency).await?;
        let count = claimed.len();
        for job in claimed {
            tasks.spawn(self.attempt(job));
        }
        while tasks.join_next().await.is_some() {}
        Ok(count)
    }

    /// Runs until `shutdown` is cancelled, then lets running jobs finish within the grace
    /// period and hands back those that do not.
    pub async fn run(self, shutdown: CancellationToken) {
        let mut tasks = JoinSet::new();
        while !shutdown.is_cancelled() {
            let free = self.config.concurrency.saturating_sub(tasks.len());
            let claimed = if free > 0 {
                self.claim(free).await.unwrap_or_else(|e| {
                    tracing::error!(error = %ErrorChain(&e), "the worker could not claim jobs");
                    Vec::new()
                })
            } else {
                Vec::new()
            };
            let idle = claimed.is_empty();
            for job in claimed {
                tasks.spawn(self.attempt(job));
            }
            if !idle && tasks.len() < self.config.concurrency {
                continue;
            }
            tokio::select! {
                () = shutdown.cancelled() => {}
                Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
                () = tokio::time::sleep(self.config.poll_interval) => {}
                () = self.store.job_enqueued(), if tasks.len() < self.config.concurrency => {}
            }
        }
        let drained = tokio::time::timeout(self.config.grace_period, async {
            while tasks.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tasks.abort_all();
            while tasks.join_next().await.is_some() {}
            self.hand_back_unfinished().await;
        }
    }

    async fn claim(&self, limit: usize) -> Result<Vec<ClaimedJob>, StorageError> {
        self.store
            .claim_jobs_across_orgs(
                &self.config.owner,
                i64::try_from(limit).unwrap_or(i64::MAX),
                lease_delta(self.config.lease),
                self.clock.now(),
            )
            .await
    }

    async fn hand_back_unfinished(&self) {
        let unfinished: Vec<JobId> = lock(&self.running).drain().collect();
        for id in unfinished {
            match self
                .store
                .hand_back_job(id, &self.config.owner, self.clock.now())
                .await
            {
                Ok(_) => tracing::info!(job = %id, "handed a running job back at shutdown"),
                Err(e) => {
                    tracing::error!(job = %id, error = %ErrorChain(&e), "could not hand a job back; it runs again when its lease expires");
                }
            }
        }
    }

    /// One attempt at `claimed`, as a future that owns everything it needs.
    fn attempt(&self, claimed: ClaimedJob) -> impl Future<Output = ()> + Send + 'static {
        let store = self.store.clone();
        let registry = self.registry.clone();
        let clock = self.clock.clone();
        let owner = self.config.owner.clone();
        let lease = self.config.lease;
        let running = self.running.clone();
        lock(&running).insert(claimed.id);
        let span = tracing::info_span!("job", id = %claimed.id, kind = %claimed.kind, attempt = claimed.attempts);
        async move {
            let job = Job::from(claimed.clone());
            let outcome = match registry.get(&job.kind) {
                Some(registered) => {
                    let handler = registered.handler.clone();
                    let run = AssertUnwindSafe(handler.run(job)).catch_unwind();
                    with_renewed_lease(run, &store, &*clock, claimed.id, &owner, lease)
                        .await
                        .unwrap_or_else(|_| Err(JobError::retry("the handler panicked")))
                }
                None => Err(JobError::permanent(format!(
                    "no handler for job kind {}",
                    claimed.kind
                ))),
            };
            record(&store, &*clock, &claimed, &owner, outcome).await;
            lock(&running).remove(&claimed.id);
        }
        .instrument(span)
    }
}

/// Polls `run` to the end, extending the lease every third of its length meanwhile.
async fn with_renewed_lease<F: Future>(
    run: F,
    store: &Store,
    clock: &dyn Clock,
    id: JobId,
    owner: &str,
    lease: Duration,
) -> F::Output {
    let mut run = std::pin::pin!(run);
    let mut renew = tokio::time::interval(lease / 3);
    renew.tick().await;
    loop {
        tokio::select! {
            output = &mut run => return output,
            _ = renew.tick() => {
                let until = clock.now() + lease_delta(lease);
                match store.renew_job_lease(id, owner, until).await {
                    Ok(true) => {}
                    Ok(false) => tracing::warn!(job = %id, "lost the lease on a running job; another worker may run it"),
                    Err(e) => tracing::error!(job = %id, error = %ErrorChain(&e), "could not renew a job's lease"),
                }
            }
        }
    }
}

async fn record(
    store: &Store,
    clock: &dyn Clock,
    job: &ClaimedJob,
    owner: &str,
    outcome: Result<(), JobError>,
) {
    let now = clock.now();
    let recorded = match &outcome {
        Ok(()) => store.complete_job(job.id, owner, now).await.map(|kept| {
            if !kept {
                tracing::warn!(job = %job.id, "finished a job whose lease had passed to another worker");
            }
        }),
        Err(error) => {
            let permanent = matches!(error, JobError::Permanent(_));
            store
                .fail_job(job, owner, &error.to_string(), permanent, now)
                .await
                .map(|fate| match fate {
                    FailOutcome::RetryAt(at) => {
                        tracing::warn!(job = %job.id, kind = %job.kind, %error, retry_at = %at, "job attempt failed");
                    }
                    FailOutcome::Dead => {
                        tracing::error!(job = %job.id, kind = %job.kind, %error, "job is dead");
                    }
                    FailOutcome::LeaseLost => {
                        tracing::warn!(job = %job.id, "a failed attempt's lease had passed to another worker");
                    }
                })
        }
    };
    if let Err(e) = recorded {
        tracing::error!(job = %job.id, error = %ErrorChain(&e), "could not record a job's outcome; it runs again when its lease expires");
    }
}

fn lease_delta(lease: Duration) -> TimeDelta {
    TimeDelta::from_std(lease).unwrap_or(TimeDelta::minutes(1))
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

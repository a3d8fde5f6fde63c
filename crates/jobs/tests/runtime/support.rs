//! The job kinds the tests register (the fresh database per test comes from
//! `flowsense-test-support`).

use chrono::{TimeDelta, Utc};
use flowsense_core::clock::Clock;
use flowsense_jobs::{Job, JobError, Registry};
use flowsense_storage::Store;
use std::sync::Arc;

/// What a handler records for every job it finishes: a job of this kind carrying the finished
/// job's idempotency key (or id), never due, so "exactly once" can be counted in the database.
pub const DONE: &str = "test.done";

pub use flowsense_test_support::{TestDb, postgres_url};

/// Records that `job` finished (see [`DONE`]).
pub async fn record_done(
    store: &Store,
    job: &Job,
    now: chrono::DateTime<Utc>,
) -> Result<(), JobError> {
    let what = job
        .idempotency_key
        .clone()
        .unwrap_or_else(|| job.id.to_string());
    let record = flowsense_storage::NewJob {
        kind: DONE.into(),
        org: job.org,
        payload: serde_json::json!({ "done": what }).to_string(),
        idempotency_key: None,
        run_at: now + TimeDelta::days(36_500),
        max_attempts: 1,
    };
    store
        .enqueue_job(&record, now)
        .await
        .map(|_| ())
        .map_err(|_| JobError::retry("could not record"))
}

/// What has been recorded as done, one entry per completion (duplicates kept).
pub async fn done(store: &Store) -> Vec<String> {
    let mut done: Vec<String> = store
        .list_jobs_across_orgs(None, Some(DONE), 1_000)
        .await
        .expect("list")
        .into_iter()
        .map(|j| {
            let v: serde_json::Value = serde_json::from_str(&j.payload).expect("json");
            v["done"].as_str().expect("done").to_owned()
        })
        .collect();
    done.sort();
    done
}

/// Registers `kind`, whose handler records its completion.
pub fn register_recording(
    registry: &mut Registry,
    kind: &str,
    options: flowsense_jobs::KindOptions,
    store: &Store,
    clock: &Arc<dyn Clock>,
) {
    let (store, clock) = (store.clone(), clock.clone());
    registry.register(kind, options, move |job: Job| {
        let (store, clock) = (store.clone(), clock.clone());
        async move { record_done(&store, &job, clock.now()).await }
    });
}

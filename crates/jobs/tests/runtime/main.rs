//! The job runtime on both databases: retries with backoff until dead, idempotent enqueue,
//! exactly-once scheduling across workers and processes, a worker killed mid-job, graceful
//! shutdown, and signed cron requests.

#![allow(clippy::unwrap_used)]

mod child;
mod cron;
mod processes;
mod queue;
mod support;

use flowsense_test_support::on_both_backends;

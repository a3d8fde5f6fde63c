//! Separate worker processes: a worker killed with SIGKILL mid-job loses its lease and the job
//! finishes elsewhere exactly once; two processes on one PostgreSQL database run every
//! scheduled job exactly once.

use crate::child::{ENTRY, periodic_kinds};
use crate::on_both_backends;
use crate::support::{TestDb, done, register_recording};
use flowsense_core::Currency;
use flowsense_core::clock::{Clock, SystemClock};
use flowsense_jobs::{KindOptions, Registry, Worker, WorkerConfig};
use flowsense_storage::{JobState, NewOrg, OrgSettings};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

fn spawn_child(db: &TestDb, mode: &str, owner: &str) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", ENTRY, "--nocapture", "--test-threads=1"])
        .env("FLOWSENSE_JOBS_CHILD", mode)
        .env("FLOWSENSE_JOBS_CHILD_URL", &db.url)
        .env("FLOWSENSE_JOBS_CHILD_OWNER", owner)
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

async fn a_worker_killed_mid_job_loses_its_lease_and_the_job_finishes_elsewhere_once(db: &TestDb) {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let mut registry = Registry::new();
    register_recording(
        &mut registry,
        "block",
        KindOptions::default(),
        &db.store,
        &clock,
    );
    let registry = Arc::new(registry);
    let job = registry
        .new_job(
            "block",
            None,
            &1,
            Some("killed-mid-job".into()),
            clock.now(),
        )
        .unwrap();
    let id = db.store.enqueue_job(&job, clock.now()).await.unwrap().id;

    let mut child = spawn_child(db, "block", "doomed");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let job = db.store.job_across_orgs(id).await.unwrap();
        if job.state == JobState::Running && job.lease_owner.as_deref() == Some("doomed") {
            break;
        }
        assert!(Instant::now() < deadline, "the child never claimed the job");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.start_kill().unwrap(); // SIGKILL: no shutdown, no hand-back.
    child.wait().await.unwrap();

    let config = WorkerConfig {
        owner: "survivor".into(),
        concurrency: 1,
        lease: Duration::from_secs(30),
        poll_interval: Duration::from_millis(20),
        grace_period: Duration::from_secs(1),
    };
    let worker = Worker::new(db.store.clone(), registry, clock, config);
    let deadline = Instant::now() + Duration::from_secs(30);
    while db.store.job_across_orgs(id).await.unwrap().state != JobState::Succeeded {
        assert!(
            Instant::now() < deadline,
            "the job never finished elsewhere"
        );
        worker.run_once().await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(done(&db.store).await, vec!["killed-mid-job".to_owned()]);
    let finished = db.store.job_across_orgs(id).await.unwrap();
    assert_eq!(
        finished.attempts, 2,
        "the killed attempt counts, the second one finished it"
    );
}

on_both_backends!(a_worker_killed_mid_job_loses_its_lease_and_the_job_finishes_elsewhere_once);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_worker_processes_on_postgres_run_every_scheduled_job_once() {
    let Some(url) = crate::support::postgres_url() else {
        flowsense_test_support::announce_postgres_skipped(
            "two_worker_processes_on_postgres_run_every_scheduled_job_once",
        );
        return;
    };
    let db = TestDb::postgres(&url).await;
    let zones = ["Europe/Paris", "Pacific/Auckland", "America/New_York"];
    for (n, zone) in zones.iter().enumerate() {
        let mut settings = OrgSettings::with_currency(Currency::USD);
        settings.time_zone = (*zone).into();
        let new = NewOrg {
            slug: format!("org{n}"),
            name: format!("Org {n}"),
            settings,
        };
        db.store.create_org(&new).await.unwrap();
    }
    let mut a = spawn_child(&db, "schedule", "process-a");
    let mut b = spawn_child(&db, "schedule", "process-b");
    assert!(a.wait().await.unwrap().success());
    assert!(b.wait().await.unwrap().success());
    let done = done(&db.store).await;
    let mut unique = done.clone();
    unique.dedup();
    assert_eq!(done, unique, "a scheduled job ran twice");
    let hourly = done.iter().filter(|k| k.starts_with("hourly:all:")).count();
    let nightly = done.iter().filter(|k| k.starts_with("nightly:")).count();
    // Three seconds may straddle an hour or a night: one period each, or two.
    assert!((1..=2).contains(&hourly), "{done:?}");
    assert!(
        (zones.len()..=2 * zones.len()).contains(&nightly),
        "{done:?}"
    );
    assert_eq!(periodic_kinds().len(), 2);
    let left = db
        .store
        .list_jobs_across_orgs(Some(JobState::Queued), None, 100)
        .await
        .unwrap();
    assert!(
        left.iter().all(|j| j.kind == crate::support::DONE),
        "jobs left unrun: {left:?}"
    );
}

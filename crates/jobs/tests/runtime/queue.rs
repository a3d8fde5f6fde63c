//! One process: retries, idempotency, scheduling with two workers, graceful shutdown.

use crate::on_both_backends;
use crate::support::{TestDb, done, register_recording};
use chrono::{DateTime, TimeDelta, TimeZone, Utc, Weekday};
use flowsense_core::Currency;
use flowsense_core::clock::{Clock, ManualClock};
use flowsense_jobs::{
    Job, JobError, KindOptions, Period, Registry, Schedule, Scheduler, Worker, WorkerConfig,
};
use flowsense_storage::{JobState, NewOrg, OrgSettings, Store};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 2, 13, 0, 0)
        .single()
        .unwrap()
}

fn config(owner: &str, concurrency: usize) -> WorkerConfig {
    WorkerConfig {
        owner: owner.into(),
        concurrency,
        lease: Duration::from_secs(30),
        poll_interval: Duration::from_millis(20),
        grace_period: Duration::from_millis(300),
    }
}

async fn org(store: &Store, slug: &str, time_zone: &str) {
    let mut settings = OrgSettings::with_currency(Currency::EUR);
    settings.time_zone = time_zone.into();
    store
        .create_org(&NewOrg {
            slug: slug.into(),
            name: format!("{slug} Ltd"),
            settings,
        })
        .await
        .unwrap();
}

async fn retries_back_off_then_the_job_is_dead_with_its_last_error(db: &TestDb) {
    let clock = Arc::new(ManualClock::new(start()));
    let calls = Arc::new(AtomicUsize::new(0));
    let mut registry = Registry::new();
    let counter = calls.clone();
    registry.register(
        "flaky",
        KindOptions {
            max_attempts: 3,
            schedule: None,
        },
        move |_job: Job| {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                Err::<(), _>(JobError::retry("the provider timed out"))
            }
        },
    );
    let registry = Arc::new(registry);
    let job = registry
        .new_job("flaky", None, &serde_json::json!({}), None, start())
        .unwrap();
    let id = db.store.enqueue_job(&job, start()).await.unwrap().id;
    let worker = Worker::new(db.store.clone(), registry, clock.clone(), config("w", 2));
    assert_eq!(worker.run_once().await.unwrap(), 1);
    // Backing off: nothing is due until its time comes.
    assert_eq!(worker.run_once().await.unwrap(), 0);
    let queued = db.store.job_across_orgs(id).await.unwrap();
    assert_eq!(queued.state, JobState::Queued);
    assert!(queued.run_at > start() + TimeDelta::seconds(4));
    for _ in 0..2 {
        clock.advance(TimeDelta::hours(1));
        assert_eq!(worker.run_once().await.unwrap(), 1);
    }
    clock.advance(TimeDelta::hours(1));
    assert_eq!(worker.run_once().await.unwrap(), 0);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    let dead = db.store.job_across_orgs(id).await.unwrap();
    assert_eq!(dead.state, JobState::Dead);
    assert_eq!(dead.last_error.as_deref(), Some("the provider timed out"));
}

async fn a_double_enqueue_runs_once_and_unknown_kinds_die(db: &TestDb) {
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(start()));
    let mut registry = Registry::new();
    register_recording(
        &mut registry,
        "mail.send",
        KindOptions::default(),
        &db.store,
        &clock,
    );
    let registry = Arc::new(registry);
    for _ in 0..2 {
        let job = registry
            .new_job(
                "mail.send",
                None,
                &serde_json::json!({"message": 7}),
                Some("mail:7".into()),
                start(),
            )
            .unwrap();
        db.store.enqueue_job(&job, start()).await.unwrap();
    }
    let stray = flowsense_storage::NewJob {
        kind: "nobody.handles.this".into(),
        org: None,
        payload: "{}".into(),
        idempotency_key: None,
        run_at: start(),
        max_attempts: 5,
    };
    let stray = db.store.enqueue_job(&stray, start()).await.unwrap().id;
    let worker = Worker::new(db.store.clone(), registry, clock, config("w", 4));
    while worker.run_once().await.unwrap() > 0 {}
    assert_eq!(done(&db.store).await, vec!["mail:7".to_owned()]);
    let stray = db.store.job_across_orgs(stray).await.unwrap();
    assert_eq!((stray.state, stray.attempts), (JobState::Dead, 1));
}

async fn two_instances_run_every_scheduled_job_once_per_period(db: &TestDb) {
    org(&db.store, "paris", "Europe/Paris").await;
    org(&db.store, "auckland", "Pacific/Auckland").await;
    org(&db.store, "nowhere", "Not/AZone").await;
    let clock = Arc::new(ManualClock::new(start()));
    let dyn_clock: Arc<dyn Clock> = clock.clone();
    let mut registry = Registry::new();
    let hourly = Schedule {
        period: Period::Hourly,
        per_org: false,
    };
    let nightly = Schedule {
        period: Period::Nightly { hour: 3 },
        per_org: true,
    };
    let weekly = Schedule {
        period: Period::Weekly {
            weekday: Weekday::Mon,
            hour: 7,
        },
        per_org: true,
    };
    for (kind, schedule) in [("hourly", hourly), ("nightly", nightly), ("weekly", weekly)] {
        let options = KindOptions {
            max_attempts: 3,
            schedule: Some(schedule),
        };
        register_recording(&mut registry, kind, options, &db.store, &dyn_clock);
    }
    let registry = Arc::new(registry);
    // Two instances: their own pools, schedulers and workers, on one database.
    let second = db.reopen().await;
    let instances: Vec<(Scheduler, Worker)> = [("a", db.store.clone()), ("b", second)]
        .into_iter()
        .map(|(name, store)| {
            let scheduler = Scheduler::new(store.clone(), registry.clone(), dyn_clock.clone());
            let worker = Worker::new(store, registry.clone(), dyn_clock.clone(), config(name, 3));
            (scheduler, worker)
        })
        .collect();
    // Two days in steps of 20 minutes, both instances ticking and working at once each step.
    for _ in 0..(2 * 24 * 3) {
        let (a, b) = (&instances[0], &instances[1]);
        let (ta, tb) = tokio::join!(a.0.tick(), b.0.tick());
        ta.unwrap();
        tb.unwrap();
        let (ra, rb) = tokio::join!(a.1.run_once(), b.1.run_once());
        ra.unwrap();
        rb.unwrap();
        clock.advance(TimeDelta::minutes(20));
    }
    let done = done(&db.store).await;
    let mut unique = done.clone();
    unique.dedup();
    assert_eq!(done, unique, "a scheduled job ran twice");
    let count = |prefix: &str| done.iter().filter(|k| k.starts_with(prefix)).count();
    // 13:00 on the 2nd to 12:40 on the 4th, UTC: 48 hours.
    assert_eq!(count("hourly:all:"), 48);
    // Each organisation's nights: the one in progress at the start, then two more.
    assert_eq!(count("nightly:"), 3 * 3);
    // One week each (the one in progress), whatever the zone.
    assert_eq!(count("weekly:"), 3);
    assert!(
        done.iter()
            .any(|k| k.starts_with("nightly:") && k.ends_with(":2026-12-04"))
    );
}

async fn shutdown_lets_quick_jobs_finish_and_hands_slow_ones_back(db: &TestDb) {
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(start()));
    let mut registry = Registry::new();
    register_recording(
        &mut registry,
        "quick",
        KindOptions::default(),
        &db.store,
        &clock,
    );
    let (store, c) = (db.store.clone(), clock.clone());
    registry.register(
        "slow",
        KindOptions {
            max_attempts: 1,
            schedule: None,
        },
        move |job: Job| {
            let (store, c) = (store.clone(), c.clone());
            async move {
                tokio::time::sleep(Duration::from_secs(3_600)).await;
                crate::support::record_done(&store, &job, c.now()).await
            }
        },
    );
    let registry = Arc::new(registry);
    let quick = registry
        .new_job("quick", None, &1, Some("quick".into()), start())
        .unwrap();
    let slow = registry
        .new_job("slow", None, &1, Some("slow".into()), start())
        .unwrap();
    db.store.enqueue_job(&quick, start()).await.unwrap();
    let slow = db.store.enqueue_job(&slow, start()).await.unwrap().id;
    let shutdown = CancellationToken::new();
    let worker = Worker::new(db.store.clone(), registry, clock, config("w", 2));
    let running = tokio::spawn(worker.run(shutdown.clone()));
    while db.store.job_across_orgs(slow).await.unwrap().state != JobState::Running {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(done(&db.store).await, vec!["quick".to_owned()]);
    // Handed back without spending its only attempt.
    let slow = db.store.job_across_orgs(slow).await.unwrap();
    assert_eq!(
        (slow.state, slow.attempts, slow.lease_owner),
        (JobState::Queued, 0, None)
    );
}

on_both_backends!(
    retries_back_off_then_the_job_is_dead_with_its_last_error,
    a_double_enqueue_runs_once_and_unknown_kinds_die,
    two_instances_run_every_scheduled_job_once_per_period,
    shutdown_lets_quick_jobs_finish_and_hands_slow_ones_back,
);

//! The job queue part of the contract: idempotent enqueue (alone and inside an import), claims
//! under a lease, renewal, completion, failure with backoff until dead, hand-back, operator
//! commands, counts, cron nonces and the purges of what expired.

use crate::support::TestDb;

mod operators;
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use flowsense_core::{Currency, OrgId};
use flowsense_storage::{
    FailOutcome, ImportMeta, JobId, JobState, NewJob, NewOrg, OrgSettings, StorageError, Store,
};
pub use operators::{
    cron_nonces_are_accepted_once_and_purged, operators_retry_cancel_count_and_hand_back,
    the_clean_up_removes_exactly_what_expired,
};

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 2, 13, 0, 0)
        .single()
        .unwrap()
}

fn job(kind: &str, org: Option<OrgId>, key: Option<&str>, max_attempts: i64) -> NewJob {
    NewJob {
        kind: kind.into(),
        org,
        payload: r#"{"n":1}"#.into(),
        idempotency_key: key.map(str::to_owned),
        run_at: start(),
        max_attempts,
    }
}

async fn org(store: &Store, slug: &str) -> OrgId {
    store
        .create_org(&NewOrg {
            slug: slug.into(),
            name: format!("{slug} Ltd"),
            settings: OrgSettings::with_currency(Currency::USD),
        })
        .await
        .unwrap()
        .id
}

pub async fn a_second_enqueue_with_the_same_key_returns_the_first_job(db: &TestDb) {
    let s = &db.store;
    let acme = org(s, "acme").await;
    let first = s
        .enqueue_job(
            &job("digest", Some(acme), Some("digest:acme:w1"), 3),
            start(),
        )
        .await
        .unwrap();
    let second = s
        .enqueue_job(
            &job("digest", Some(acme), Some("digest:acme:w1"), 3),
            start(),
        )
        .await
        .unwrap();
    assert!(first.newly_created && !second.newly_created);
    assert_eq!(first.id, second.id);
    // Without a key every enqueue is a new job; a system job has no organisation.
    let a = s
        .enqueue_job(&job("cleanup", None, None, 1), start())
        .await
        .unwrap();
    let b = s
        .enqueue_job(&job("cleanup", None, None, 1), start())
        .await
        .unwrap();
    assert_ne!(a.id, b.id);
    let all = s.list_jobs_across_orgs(None, None, 100).await.unwrap();
    assert_eq!(all.len(), 3);
    let digest = s.job_across_orgs(first.id).await.unwrap();
    assert_eq!(
        (digest.org, digest.state, digest.attempts),
        (Some(acme), JobState::Queued, 0)
    );
    assert!(matches!(
        s.job_across_orgs(JobId(999_999)).await,
        Err(StorageError::NotFound)
    ));
    let zero = s.enqueue_job(&job("x", None, None, 0), start()).await;
    assert!(matches!(zero, Err(StorageError::Config(_))));
}

pub async fn a_job_enqueued_in_an_import_exists_only_if_the_import_commits(db: &TestDb) {
    let s = &db.store;
    let acme = org(s, "acme").await;
    let other = org(s, "other").await;
    let meta = ImportMeta {
        file_name: "a.csv".into(),
        format: "csv".into(),
        sha256: "00".into(),
        source: "csv".into(),
        created_by: None,
        currency: Currency::USD,
    };
    let mut rolled_back = s.begin_import(acme, &meta).await.unwrap();
    rolled_back
        .enqueue_job(&job("analyse", Some(acme), Some("k1"), 3), start())
        .await
        .unwrap();
    drop(rolled_back);
    assert!(
        s.list_jobs_across_orgs(None, None, 10)
            .await
            .unwrap()
            .is_empty()
    );

    let mut import = s.begin_import(acme, &meta).await.unwrap();
    let refused = import
        .enqueue_job(&job("analyse", Some(other), None, 3), start())
        .await;
    assert!(matches!(refused, Err(StorageError::Config(_))));
    let tenant = import
        .enqueue_job(&job("analyse", Some(acme), Some("k1"), 3), start())
        .await
        .unwrap();
    let system = import
        .enqueue_job(&job("mail", None, Some("k2"), 3), start())
        .await
        .unwrap();
    import.commit().await.unwrap();
    let ids: Vec<JobId> = s
        .list_jobs_across_orgs(None, None, 10)
        .await
        .unwrap()
        .iter()
        .map(|j| j.id)
        .collect();
    assert_eq!(ids, vec![system.id, tenant.id]);
}

pub async fn claims_lease_renew_and_complete(db: &TestDb) {
    let s = &db.store;
    let due = s
        .enqueue_job(&job("a", None, None, 3), start())
        .await
        .unwrap()
        .id;
    let mut later = job("a", None, None, 3);
    later.run_at = start() + TimeDelta::hours(1);
    let later = s.enqueue_job(&later, start()).await.unwrap().id;
    let lease = TimeDelta::seconds(30);
    let claimed = s
        .claim_jobs_across_orgs("w1", 10, lease, start())
        .await
        .unwrap();
    assert_eq!(claimed.iter().map(|j| j.id).collect::<Vec<_>>(), vec![due]);
    assert_eq!(
        (claimed[0].attempts, claimed[0].payload.as_str()),
        (1, r#"{"n":1}"#)
    );
    // Held under a lease: nobody else gets it, and only its owner renews or completes it.
    assert!(
        s.claim_jobs_across_orgs("w2", 10, lease, start())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(!s.renew_job_lease(due, "w2", start() + lease).await.unwrap());
    assert!(
        s.renew_job_lease(due, "w1", start() + TimeDelta::seconds(60))
            .await
            .unwrap()
    );
    let before_renewed_expiry = start() + TimeDelta::seconds(45);
    assert!(
        s.claim_jobs_across_orgs("w2", 10, lease, before_renewed_expiry)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(!s.complete_job(due, "w2", start()).await.unwrap());
    assert!(s.complete_job(due, "w1", start()).await.unwrap());
    let done = s.job_across_orgs(due).await.unwrap();
    assert_eq!(
        (done.state, done.lease_owner, done.finished_at),
        (JobState::Succeeded, None, Some(start()))
    );
    // The later job waits for its time.
    let at_its_time = s
        .claim_jobs_across_orgs("w1", 10, lease, start() + TimeDelta::hours(1))
        .await
        .unwrap();
    assert_eq!(
        at_its_time.iter().map(|j| j.id).collect::<Vec<_>>(),
        vec![later]
    );
    // A limit is a limit.
    for _ in 0..3 {
        s.enqueue_job(&job("b", None, None, 3), start())
            .await
            .unwrap();
    }
    assert_eq!(
        s.claim_jobs_across_orgs("w3", 2, lease, start())
            .await
            .unwrap()
            .len(),
        2
    );
}

pub async fn an_expired_lease_is_claimed_again_and_its_old_owner_changes_nothing(db: &TestDb) {
    let s = &db.store;
    let id = s
        .enqueue_job(&job("a", None, None, 2), start())
        .await
        .unwrap()
        .id;
    let lease = TimeDelta::seconds(30);
    let first = s
        .claim_jobs_across_orgs("dead-worker", 1, lease, start())
        .await
        .unwrap();
    assert_eq!(first.len(), 1);
    let after = start() + TimeDelta::seconds(31);
    let again = s
        .claim_jobs_across_orgs("w2", 1, lease, after)
        .await
        .unwrap();
    assert_eq!((again[0].id, again[0].attempts), (id, 2));
    assert!(!s.complete_job(id, "dead-worker", after).await.unwrap());
    assert_eq!(
        s.fail_job(&first[0], "dead-worker", "late", false, after)
            .await
            .unwrap(),
        FailOutcome::LeaseLost
    );
    // Its second and last attempt's worker dies too: the job is buried, not run a third time.
    let much_later = after + TimeDelta::seconds(31);
    assert!(
        s.claim_jobs_across_orgs("w3", 1, lease, much_later)
            .await
            .unwrap()
            .is_empty()
    );
    let dead = s.job_across_orgs(id).await.unwrap();
    assert_eq!(dead.state, JobState::Dead);
    assert!(dead.last_error.unwrap().contains("worker stopped"));
}

pub async fn failures_back_off_then_the_job_is_dead_with_its_last_error(db: &TestDb) {
    let s = &db.store;
    let id = s
        .enqueue_job(&job("a", None, None, 3), start())
        .await
        .unwrap()
        .id;
    let lease = TimeDelta::seconds(30);
    let mut now = start();
    let mut delays = Vec::new();
    for attempt in 1..=3 {
        let claimed = s.claim_jobs_across_orgs("w", 1, lease, now).await.unwrap();
        assert_eq!(claimed.len(), 1, "attempt {attempt}");
        let outcome = s
            .fail_job(&claimed[0], "w", &format!("timeout {attempt}"), false, now)
            .await
            .unwrap();
        match outcome {
            FailOutcome::RetryAt(at) => {
                delays.push(at - now);
                // Not before its time.
                assert!(
                    s.claim_jobs_across_orgs("w", 1, lease, at - TimeDelta::milliseconds(1))
                        .await
                        .unwrap()
                        .is_empty()
                );
                now = at;
            }
            FailOutcome::Dead => assert_eq!(attempt, 3),
            FailOutcome::LeaseLost => panic!("lease lost"),
        }
    }
    assert_eq!(delays.len(), 2);
    assert!(
        delays[0] >= TimeDelta::seconds(5) && delays[0] <= TimeDelta::seconds(10),
        "{delays:?}"
    );
    assert!(
        delays[1] >= TimeDelta::seconds(10) && delays[1] <= TimeDelta::seconds(20),
        "{delays:?}"
    );
    let dead = s.job_across_orgs(id).await.unwrap();
    assert_eq!(
        (dead.state, dead.attempts, dead.last_error.as_deref()),
        (JobState::Dead, 3, Some("timeout 3"))
    );
    // A permanent error is dead at once.
    let p = s
        .enqueue_job(&job("p", None, None, 5), now)
        .await
        .unwrap()
        .id;
    let claimed = s.claim_jobs_across_orgs("w", 1, lease, now).await.unwrap();
    assert_eq!(
        s.fail_job(&claimed[0], "w", "bad payload", true, now)
            .await
            .unwrap(),
        FailOutcome::Dead
    );
    assert_eq!(s.job_across_orgs(p).await.unwrap().state, JobState::Dead);
}

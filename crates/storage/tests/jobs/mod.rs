//! The job queue part of the contract: idempotent enqueue (alone and inside an import), claims
//! under a lease, renewal, completion, failure with backoff until dead, hand-back, operator
//! commands, counts, cron nonces and the purges of what expired.

use crate::support::TestDb;
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use flowsense_core::{Currency, OrgId};
use flowsense_storage::{
    FailOutcome, ImportMeta, JobId, JobState, NewJob, NewOrg, OrgSettings, StorageError, Store,
};

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 2, 13, 0, 0).single().unwrap()
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
    let first = s.enqueue_job(&job("digest", Some(acme), Some("digest:acme:w1"), 3), start()).await.unwrap();
    let second = s.enqueue_job(&job("digest", Some(acme), Some("digest:acme:w1"), 3), start()).await.unwrap();
    assert!(first.newly_created && !second.newly_created);
    assert_eq!(first.id, second.id);
    // Without a key every enqueue is a new job; a system job has no organisation.
    let a = s.enqueue_job(&job("cleanup", None, None, 1), start()).await.unwrap();
    let b = s.enqueue_job(&job("cleanup", None, None, 1), start()).await.unwrap();
    assert_ne!(a.id, b.id);
    let all = s.list_jobs_across_orgs(None, None, 100).await.unwrap();
    assert_eq!(all.len(), 3);
    let digest = s.job_across_orgs(first.id).await.unwrap();
    assert_eq!((digest.org, digest.state, digest.attempts), (Some(acme), JobState::Queued, 0));
    assert!(matches!(s.job_across_orgs(JobId(999_999)).await, Err(StorageError::NotFound)));
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
    rolled_back.enqueue_job(&job("analyse", Some(acme), Some("k1"), 3), start()).await.unwrap();
    drop(rolled_back);
    assert!(s.list_jobs_across_orgs(None, None, 10).await.unwrap().is_empty());

    let mut import = s.begin_import(acme, &meta).await.unwrap();
    let refused = import.enqueue_job(&job("analyse", Some(other), None, 3), start()).await;
    assert!(matches!(refused, Err(StorageError::Config(_))));
    let tenant = import.enqueue_job(&job("analyse", Some(acme), Some("k1"), 3), start()).await.unwrap();
    let system = import.enqueue_job(&job("mail", None, Some("k2"), 3), start()).await.unwrap();
    import.commit().await.unwrap();
    let ids: Vec<JobId> = s.list_jobs_across_orgs(None, None, 10).await.unwrap().iter().map(|j| j.id).collect();
    assert_eq!(ids, vec![system.id, tenant.id]);
}

pub async fn claims_lease_renew_and_complete(db: &TestDb) {
    let s = &db.store;
    let due = s.enqueue_job(&job("a", None, None, 3), start()).await.unwrap().id;
    let mut later = job("a", None, None, 3);
    later.run_at = start() + TimeDelta::hours(1);
    let later = s.enqueue_job(&later, start()).await.unwrap().id;
    let lease = TimeDelta::seconds(30);
    let claimed = s.claim_jobs_across_orgs("w1", 10, lease, start()).await.unwrap();
    assert_eq!(claimed.iter().map(|j| j.id).collect::<Vec<_>>(), vec![due]);
    assert_eq!((claimed[0].attempts, claimed[0].payload.as_str()), (1, r#"{"n":1}"#));
    // Held under a lease: nobody else gets it, and only its owner renews or completes it.
    assert!(s.claim_jobs_across_orgs("w2", 10, lease, start()).await.unwrap().is_empty());
    assert!(!s.renew_job_lease(due, "w2", start() + lease).await.unwrap());
    assert!(s.renew_job_lease(due, "w1", start() + TimeDelta::seconds(60)).await.unwrap());
    let before_renewed_expiry = start() + TimeDelta::seconds(45);
    assert!(s.claim_jobs_across_orgs("w2", 10, lease, before_renewed_expiry).await.unwrap().is_empty());
    assert!(!s.complete_job(due, "w2", start()).await.unwrap());
    assert!(s.complete_job(due, "w1", start()).await.unwrap());
    let done = s.job_across_orgs(due).await.unwrap();
    assert_eq!((done.state, done.lease_owner, done.finished_at), (JobState::Succeeded, None, Some(start())));
    // The later job waits for its time.
    let at_its_time = s.claim_jobs_across_orgs("w1", 10, lease, start() + TimeDelta::hours(1)).await.unwrap();
    assert_eq!(at_its_time.iter().map(|j| j.id).collect::<Vec<_>>(), vec![later]);
    // A limit is a limit.
    for _ in 0..3 {
        s.enqueue_job(&job("b", None, None, 3), start()).await.unwrap();
    }
    assert_eq!(s.claim_jobs_across_orgs("w3", 2, lease, start()).await.unwrap().len(), 2);
}

pub async fn an_expired_lease_is_claimed_again_and_its_old_owner_changes_nothing(db: &TestDb) {
    let s = &db.store;
    let id = s.enqueue_job(&job("a", None, None, 2), start()).await.unwrap().id;
    let lease = TimeDelta::seconds(30);
    let first = s.claim_jobs_across_orgs("dead-worker", 1, lease, start()).await.unwrap();
    assert_eq!(first.len(), 1);
    let after = start() + TimeDelta::seconds(31);
    let again = s.claim_jobs_across_orgs("w2", 1, lease, after).await.unwrap();
    assert_eq!((again[0].id, again[0].attempts), (id, 2));
    assert!(!s.complete_job(id, "dead-worker", after).await.unwrap());
    assert_eq!(s.fail_job(&first[0], "dead-worker", "late", false, after).await.unwrap(), FailOutcome::LeaseLost);
    // Its second and last attempt's worker dies too: the job is buried, not run a third time.
    let much_later = after + TimeDelta::seconds(31);
    assert!(s.claim_jobs_across_orgs("w3", 1, lease, much_later).await.unwrap().is_empty());
    let dead = s.job_across_orgs(id).await.unwrap();
    assert_eq!(dead.state, JobState::Dead);
    assert!(dead.last_error.unwrap().contains("worker stopped"));
}

pub async fn failures_back_off_then_the_job_is_dead_with_its_last_error(db: &TestDb) {
    let s = &db.store;
    let id = s.enqueue_job(&job("a", None, None, 3), start()).await.unwrap().id;
    let lease = TimeDelta::seconds(30);
    let mut now = start();
    let mut delays = Vec::new();
    for attempt in 1..=3 {
        let claimed = s.claim_jobs_across_orgs("w", 1, lease, now).await.unwrap();
        assert_eq!(claimed.len(), 1, "attempt {attempt}");
        let outcome = s.fail_job(&claimed[0], "w", &format!("timeout {attempt}"), false, now).await.unwrap();
        match outcome {
            FailOutcome::RetryAt(at) => {
                delays.push(at - now);
                // Not before its time.
                assert!(s.claim_jobs_across_orgs("w", 1, lease, at - TimeDelta::milliseconds(1)).await.unwrap().is_empty());
                now = at;
            }
            FailOutcome::Dead => assert_eq!(attempt, 3),
            FailOutcome::LeaseLost => panic!("lease lost"),
        }
    }
    assert_eq!(delays.len(), 2);
    assert!(delays[0] >= TimeDelta::seconds(5) && delays[0] <= TimeDelta::seconds(10), "{delays:?}");
    assert!(delays[1] >= TimeDelta::seconds(10) && delays[1] <= TimeDelta::seconds(20), "{delays:?}");
    let dead = s.job_across_orgs(id).await.unwrap();
    assert_eq!((dead.state, dead.attempts, dead.last_error.as_deref()), (JobState::Dead, 3, Some("timeout 3")));
    // A permanent error is dead at once.
    let p = s.enqueue_job(&job("p", None, None, 5), now).await.unwrap().id;
    let claimed = s.claim_jobs_across_orgs("w", 1, lease, now).await.unwrap();
    assert_eq!(s.fail_job(&claimed[0], "w", "bad payload", true, now).await.unwrap(), FailOutcome::Dead);
    assert_eq!(s.job_across_orgs(p).await.unwrap().state, JobState::Dead);
}

pub async fn operators_retry_cancel_count_and_hand_back(db: &TestDb) {
    let s = &db.store;
    let lease = TimeDelta::seconds(30);
    let a = s.enqueue_job(&job("a", None, None, 1), start()).await.unwrap().id;
    let claimed = s.claim_jobs_across_orgs("w", 1, lease, start()).await.unwrap();
    // A worker shutting down hands the job back without spending its only attempt.
    assert!(s.hand_back_job(a, "w", start()).await.unwrap());
    let back = s.job_across_orgs(a).await.unwrap();
    assert_eq!((back.state, back.attempts), (JobState::Queued, 0));
    let claimed_again = s.claim_jobs_across_orgs("w", 1, lease, start()).await.unwrap();
    assert_eq!(claimed_again[0].attempts, claimed[0].attempts);
    s.fail_job(&claimed_again[0], "w", "refused", false, start()).await.unwrap();
    assert_eq!(s.job_across_orgs(a).await.unwrap().state, JobState::Dead);
    // Retry: queued again with fresh attempts. Cancel: a queued job only (or a dead one).
    assert!(s.retry_job_across_orgs(a, start()).await.unwrap());
    assert!(!s.retry_job_across_orgs(a, start()).await.unwrap());
    assert_eq!(s.job_across_orgs(a).await.unwrap().attempts, 0);
    let b = s.enqueue_job(&job("b", None, None, 1), start()).await.unwrap().id;
    assert!(s.cancel_job_across_orgs(b, start()).await.unwrap());
    assert!(!s.cancel_job_across_orgs(b, start()).await.unwrap());
    let counts = s.job_counts_across_orgs().await.unwrap();
    let summary: Vec<(JobState, &str, i64)> = counts.iter().map(|c| (c.state, c.kind.as_str(), c.jobs)).collect();
    assert!(summary.contains(&(JobState::Queued, "a", 1)), "{summary:?}");
    assert!(summary.contains(&(JobState::Cancelled, "b", 1)), "{summary:?}");
    let cancelled = s.list_jobs_across_orgs(Some(JobState::Cancelled), None, 10).await.unwrap();
    assert_eq!(cancelled.iter().map(|j| j.id).collect::<Vec<_>>(), vec![b]);
    assert!(s.list_jobs_across_orgs(None, Some("zzz"), 10).await.unwrap().is_empty());
    // Finished jobs go once older than the horizon; queued ones stay.
    assert_eq!(s.purge_finished_jobs_across_orgs(start()).await.unwrap(), 0);
    assert_eq!(s.purge_finished_jobs_across_orgs(start() + TimeDelta::seconds(1)).await.unwrap(), 1);
    assert_eq!(s.list_jobs_across_orgs(None, None, 10).await.unwrap().len(), 1);
}

pub async fn cron_nonces_are_accepted_once_and_purged(db: &TestDb) {
    let s = &db.store;
    assert!(s.record_cron_nonce("n-0123456789abcdef", start()).await.unwrap());
    assert!(!s.record_cron_nonce("n-0123456789abcdef", start()).await.unwrap());
    assert_eq!(s.purge_cron_nonces(start()).await.unwrap(), 0);
    assert_eq!(s.purge_cron_nonces(start() + TimeDelta::seconds(1)).await.unwrap(), 1);
    assert!(s.record_cron_nonce("n-0123456789abcdef", start()).await.unwrap());
}

pub async fn the_clean_up_removes_exactly_what_expired(db: &TestDb) {
    use flowsense_core::Role;
    use flowsense_storage::{NewApiToken, NewInvitation, NewSession, NewUser, TokenScope};
    use uuid::Uuid;
    let s = &db.store;
    let now = start();
    let ann = s
        .create_user(&NewUser { email: "ann@example.com".into(), display_name: "Ann".into(), password_hash: "$argon2id$x".into() })
        .await
        .unwrap()
        .id;
    let session = |tag: u8, last_seen: DateTime<Utc>, absolute: DateTime<Utc>| NewSession {
        id_hash: vec![tag; 32],
        public_id: Uuid::new_v4(),
        user: ann,
        csrf_token_hash: vec![tag ^ 0xff; 32],
        now: last_seen,
        absolute_expires_at: absolute,
        authenticated_at: last_seen,
        mfa_at: None,
        user_agent: "test".into(),
        ip: "127.0.0.1".into(),
    };
    let idle = TimeDelta::minutes(30);
    s.create_session(&session(1, now - TimeDelta::minutes(10), now + TimeDelta::hours(1)), None).await.unwrap();
    s.create_session(&session(2, now - TimeDelta::minutes(31), now + TimeDelta::hours(1)), None).await.unwrap();
    s.create_session(&session(3, now - TimeDelta::minutes(1), now - TimeDelta::seconds(1)), None).await.unwrap();
    assert_eq!(s.delete_expired_sessions_across_orgs(now, now - idle).await.unwrap(), 2);
    assert!(s.session_by_hash(&[1; 32]).await.unwrap().is_some());

    for (tag, expires) in [(4_u8, now - TimeDelta::seconds(1)), (5, now + TimeDelta::days(1))] {
        s.create_api_token(&NewApiToken {
            id: Uuid::new_v4(),
            user: ann,
            name: "ci".into(),
            token_hash: vec![tag; 32],
            scope: TokenScope::Read,
            created_at: now - TimeDelta::days(2),
            expires_at: expires,
        })
        .await
        .unwrap();
    }
    assert_eq!(s.delete_expired_api_tokens_across_orgs(now).await.unwrap(), 1);
    assert!(s.api_token_by_hash(&[5; 32]).await.unwrap().is_some());

    let acme = org(s, "acme").await;
    let other = org(s, "other").await;
    s.set_membership(acme, ann, Role::Admin).await.unwrap();
    s.set_membership(other, ann, Role::Admin).await.unwrap();
    for (o, tag, expires) in [(acme, 6_u8, now - TimeDelta::seconds(1)), (acme, 7, now + TimeDelta::days(1)), (other, 8, now - TimeDelta::days(1))] {
        s.create_invitation(o, &NewInvitation {
            id: Uuid::new_v4(),
            email: format!("guest{tag}@example.com"),
            role: Role::Viewer,
            token_hash: vec![tag; 32],
            invited_by: ann,
            created_at: now - TimeDelta::days(8),
            expires_at: expires,
        })
        .await
        .unwrap();
    }
    // One organisation's clean-up leaves another's invitations alone.
    assert_eq!(s.delete_expired_invitations(acme, now).await.unwrap(), 1);
    assert_eq!(s.all_invitations(acme).await.unwrap().len(), 1);
    assert_eq!(s.all_invitations(other).await.unwrap().len(), 1);
    assert_eq!(s.delete_expired_invitations(other, now).await.unwrap(), 1);
}

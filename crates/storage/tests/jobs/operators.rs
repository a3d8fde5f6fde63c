//! The operator's side of the queue (retry, cancel, counts, hand-back, purge), cron nonces, and
//! the clean-up of what expired.

use super::{job, org, start};
use crate::support::TestDb;
use chrono::{DateTime, TimeDelta, Utc};
use flowsense_storage::JobState;

pub async fn operators_retry_cancel_count_and_hand_back(db: &TestDb) {
    let s = &db.store;
    let lease = TimeDelta::seconds(30);
    let a = s
        .enqueue_job(&job("a", None, None, 1), start())
        .await
        .unwrap()
        .id;
    let claimed = s
        .claim_jobs_across_orgs("w", 1, lease, start())
        .await
        .unwrap();
    // A worker shutting down hands the job back without spending its only attempt.
    assert!(s.hand_back_job(a, "w", start()).await.unwrap());
    let back = s.job_across_orgs(a).await.unwrap();
    assert_eq!((back.state, back.attempts), (JobState::Queued, 0));
    let claimed_again = s
        .claim_jobs_across_orgs("w", 1, lease, start())
        .await
        .unwrap();
    assert_eq!(claimed_again[0].attempts, claimed[0].attempts);
    s.fail_job(&claimed_again[0], "w", "refused", false, start())
        .await
        .unwrap();
    assert_eq!(s.job_across_orgs(a).await.unwrap().state, JobState::Dead);
    // Retry: queued again with fresh attempts. Cancel: a queued job only (or a dead one).
    assert!(s.retry_job_across_orgs(a, start()).await.unwrap());
    assert!(!s.retry_job_across_orgs(a, start()).await.unwrap());
    assert_eq!(s.job_across_orgs(a).await.unwrap().attempts, 0);
    let b = s
        .enqueue_job(&job("b", None, None, 1), start())
        .await
        .unwrap()
        .id;
    assert!(s.cancel_job_across_orgs(b, start()).await.unwrap());
    assert!(!s.cancel_job_across_orgs(b, start()).await.unwrap());
    let counts = s.job_counts_across_orgs().await.unwrap();
    let summary: Vec<(JobState, &str, i64)> = counts
        .iter()
        .map(|c| (c.state, c.kind.as_str(), c.jobs))
        .collect();
    assert!(summary.contains(&(JobState::Queued, "a", 1)), "{summary:?}");
    assert!(
        summary.contains(&(JobState::Cancelled, "b", 1)),
        "{summary:?}"
    );
    let cancelled = s
        .list_jobs_across_orgs(Some(JobState::Cancelled), None, 10)
        .await
        .unwrap();
    assert_eq!(cancelled.iter().map(|j| j.id).collect::<Vec<_>>(), vec![b]);
    assert!(
        s.list_jobs_across_orgs(None, Some("zzz"), 10)
            .await
            .unwrap()
            .is_empty()
    );
    // Finished jobs go once older than the horizon; queued ones stay.
    assert_eq!(s.purge_finished_jobs_across_orgs(start()).await.unwrap(), 0);
    assert_eq!(
        s.purge_finished_jobs_across_orgs(start() + TimeDelta::seconds(1))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        s.list_jobs_across_orgs(None, None, 10).await.unwrap().len(),
        1
    );
}

pub async fn cron_nonces_are_accepted_once_and_purged(db: &TestDb) {
    let s = &db.store;
    assert!(
        s.record_cron_nonce("n-0123456789abcdef", start())
            .await
            .unwrap()
    );
    assert!(
        !s.record_cron_nonce("n-0123456789abcdef", start())
            .await
            .unwrap()
    );
    assert_eq!(s.purge_cron_nonces(start()).await.unwrap(), 0);
    assert_eq!(
        s.purge_cron_nonces(start() + TimeDelta::seconds(1))
            .await
            .unwrap(),
        1
    );
    assert!(
        s.record_cron_nonce("n-0123456789abcdef", start())
            .await
            .unwrap()
    );
}

pub async fn the_clean_up_removes_exactly_what_expired(db: &TestDb) {
    use flowsense_core::Role;
    use flowsense_storage::{NewApiToken, NewInvitation, NewSession, NewUser, TokenScope};
    use uuid::Uuid;
    let s = &db.store;
    let now = start();
    let ann = s
        .create_user(&NewUser {
            email: "ann@example.com".into(),
            display_name: "Ann".into(),
            password_hash: "$argon2id$x".into(),
        })
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
    s.create_session(
        &session(1, now - TimeDelta::minutes(10), now + TimeDelta::hours(1)),
        None,
    )
    .await
    .unwrap();
    s.create_session(
        &session(2, now - TimeDelta::minutes(31), now + TimeDelta::hours(1)),
        None,
    )
    .await
    .unwrap();
    s.create_session(
        &session(3, now - TimeDelta::minutes(1), now - TimeDelta::seconds(1)),
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        s.delete_expired_sessions_across_orgs(now, now - idle)
            .await
            .unwrap(),
        2
    );
    assert!(s.session_by_hash(&[1; 32]).await.unwrap().is_some());

    for (tag, expires) in [
        (4_u8, now - TimeDelta::seconds(1)),
        (5, now + TimeDelta::days(1)),
    ] {
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
    assert_eq!(
        s.delete_expired_api_tokens_across_orgs(now).await.unwrap(),
        1
    );
    assert!(s.api_token_by_hash(&[5; 32]).await.unwrap().is_some());

    let acme = org(s, "acme").await;
    let other = org(s, "other").await;
    s.set_membership(acme, ann, Role::Admin).await.unwrap();
    s.set_membership(other, ann, Role::Admin).await.unwrap();
    for (o, tag, expires) in [
        (acme, 6_u8, now - TimeDelta::seconds(1)),
        (acme, 7, now + TimeDelta::days(1)),
        (other, 8, now - TimeDelta::days(1)),
    ] {
        s.create_invitation(
            o,
            &NewInvitation {
                id: Uuid::new_v4(),
                email: format!("guest{tag}@example.com"),
                role: Role::Viewer,
                token_hash: vec![tag; 32],
                invited_by: ann,
                created_at: now - TimeDelta::days(8),
                expires_at: expires,
            },
            &[],
        )
        .await
        .unwrap();
    }
    // One organisation's clean-up leaves another's invitations alone.
    assert_eq!(s.delete_expired_invitations(acme, now).await.unwrap(), 1);
    assert_eq!(s.all_invitations(acme).await.unwrap().len(), 1);
    assert_eq!(s.all_invitations(other).await.unwrap().len(), 1);
    assert_eq!(s.delete_expired_invitations(other, now).await.unwrap(), 1);
}

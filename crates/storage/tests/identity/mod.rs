//! The identity part of the storage contract (sessions, tokens, invitations, memberships, MFA,
//! credentials), run on SQLite and on PostgreSQL alike.

// Contract bodies are plain async fns run by the macro, outside clippy's notion of a test.
#![allow(clippy::unwrap_used)]

mod auth_view;
mod memberships;
mod sessions_and_tokens;

use crate::support::TestDb;
use chrono::{TimeDelta, Utc};
use flowsense_core::{Currency, OrgId, Role, UserId};
use flowsense_storage::{
    NewApiToken, NewInvitation, NewOrg, NewSession, NewUser, OrgSettings, StorageError, Store,
    TokenScope,
};
use flowsense_test_support::on_both_backends;
use uuid::Uuid;

async fn org(store: &Store, slug: &str) -> OrgId {
    store
        .create_org(&NewOrg {
            slug: slug.into(),
            name: slug.into(),
            settings: OrgSettings::with_currency(Currency::USD),
        })
        .await
        .unwrap()
        .id
}

async fn user(store: &Store, email: &str) -> UserId {
    store
        .create_user(&NewUser {
            email: email.into(),
            display_name: email.into(),
            password_hash: "$argon2id$placeholder".into(),
        })
        .await
        .unwrap()
        .id
}

fn session(user: UserId, tag: u8) -> NewSession {
    let now = Utc::now();
    NewSession {
        id_hash: vec![tag; 32],
        public_id: Uuid::new_v4(),
        user,
        csrf_token_hash: vec![tag ^ 0xff; 32],
        now,
        absolute_expires_at: now + TimeDelta::hours(12),
        authenticated_at: now,
        mfa_at: None,
        user_agent: "test".into(),
        ip: "127.0.0.1".into(),
    }
}

async fn mfa_codes_work_once(db: &TestDb) {
    let s = &db.store;
    let u = user(s, "m@x.io").await;
    assert!(matches!(
        s.enable_mfa(u, &[]).await,
        Err(StorageError::Conflict(_))
    ));
    s.store_pending_mfa_secret(u, vec![1, 2, 3]).await.unwrap();
    s.enable_mfa(u, &[vec![5; 32], vec![6; 32]]).await.unwrap();
    assert!(matches!(
        s.store_pending_mfa_secret(u, vec![4]).await,
        Err(StorageError::Conflict(_))
    ));
    let st = s.mfa_state(u).await.unwrap();
    assert!(st.enabled && st.secret_enc == Some(vec![1, 2, 3]) && st.last_step.is_none());
    assert!(s.accept_totp_step(u, 100).await.unwrap());
    assert!(!s.accept_totp_step(u, 100).await.unwrap(), "replay");
    assert!(!s.accept_totp_step(u, 99).await.unwrap(), "older step");
    assert!(s.accept_totp_step(u, 101).await.unwrap());
    assert_eq!(s.recovery_codes_left(u).await.unwrap(), 2);
    assert!(s.use_recovery_code(u, &[5; 32], Utc::now()).await.unwrap());
    assert!(!s.use_recovery_code(u, &[5; 32], Utc::now()).await.unwrap());
    assert_eq!(s.recovery_codes_left(u).await.unwrap(), 1);
    s.disable_mfa(u).await.unwrap();
    let st = s.mfa_state(u).await.unwrap();
    assert!(!st.enabled && st.secret_enc.is_none());
    assert_eq!(s.recovery_codes_left(u).await.unwrap(), 0);
}

async fn failed_sign_ins_are_counted_and_cleared(db: &TestDb) {
    let s = &db.store;
    let u = user(s, "f@x.io").await;
    assert_eq!(s.record_login_failure(u).await.unwrap(), 1);
    assert_eq!(s.record_login_failure(u).await.unwrap(), 2);
    let until = Utc::now() + TimeDelta::minutes(2);
    s.lock_user_until(u, until).await.unwrap();
    let got = s.user(u).await.unwrap();
    assert_eq!(got.failed_logins, 2);
    assert_eq!(
        got.locked_until.map(|t| t.timestamp()),
        Some(until.timestamp())
    );
    s.reset_login_failures(u).await.unwrap();
    let got = s.user(u).await.unwrap();
    assert!(got.failed_logins == 0 && got.locked_until.is_none());
    s.set_password_revoking(u, "$argon2id$new", Utc::now(), false, |_| Vec::new())
        .await
        .unwrap();
    assert_eq!(s.user(u).await.unwrap().password_hash, "$argon2id$new");
    assert!(s.user(u).await.unwrap().email_verified_at.is_none());
    s.mark_email_verified(u, Utc::now()).await.unwrap();
    assert!(s.user(u).await.unwrap().email_verified_at.is_some());
}

/// A new password revokes, in one transaction, every session, the tokens when asked, and an
/// unfinished MFA enrolment — and says how many.
async fn a_new_password_revokes_credentials(db: &TestDb) {
    let s = &db.store;
    let u = user(s, "p@x.io").await;
    let other = user(s, "q@x.io").await;
    s.create_session(&session(u, 1), None).await.unwrap();
    s.create_session(&session(u, 2), None).await.unwrap();
    s.create_session(&session(other, 3), None).await.unwrap();
    let now = Utc::now();
    for (owner, n) in [(u, 1u8), (u, 2), (other, 3)] {
        s.create_api_token(&NewApiToken {
            id: Uuid::new_v4(),
            user: owner,
            name: format!("t{n}"),
            token_hash: vec![n; 32],
            scope: TokenScope::Write,
            created_at: now,
            expires_at: now + TimeDelta::days(30),
        })
        .await
        .unwrap();
    }
    s.store_pending_mfa_secret(u, vec![9; 40]).await.unwrap();

    let kept = s
        .set_password_revoking(u, "$argon2id$a", now, false, |_| Vec::new())
        .await
        .unwrap();
    assert_eq!((kept.sessions, kept.tokens, kept.pending_mfa), (2, 0, true));
    assert!(s.session_by_hash(&[1; 32]).await.unwrap().is_none());
    assert!(
        s.session_by_hash(&[3; 32]).await.unwrap().is_some(),
        "another user's session"
    );
    assert!(s.mfa_state(u).await.unwrap().secret_enc.is_none());
    let live = |t: Option<flowsense_storage::ApiToken>| t.is_some_and(|t| t.revoked_at.is_none());
    assert!(live(s.api_token_by_hash(&[1; 32]).await.unwrap()));

    let all = s
        .set_password_revoking(u, "$argon2id$b", now, true, |_| Vec::new())
        .await
        .unwrap();
    assert_eq!((all.sessions, all.tokens, all.pending_mfa), (0, 2, false));
    assert!(!live(s.api_token_by_hash(&[1; 32]).await.unwrap()));
    assert!(!live(s.api_token_by_hash(&[2; 32]).await.unwrap()));
    assert!(
        live(s.api_token_by_hash(&[3; 32]).await.unwrap()),
        "another user's token"
    );
    assert_eq!(s.user(u).await.unwrap().password_hash, "$argon2id$b");

    // An enabled second factor is not "pending": a new password leaves it in place.
    s.store_pending_mfa_secret(u, vec![9; 40]).await.unwrap();
    s.enable_mfa(u, &[vec![1; 32]]).await.unwrap();
    let after = s
        .set_password_revoking(u, "$argon2id$c", now, true, |_| Vec::new())
        .await
        .unwrap();
    assert!(!after.pending_mfa);
    assert!(s.mfa_state(u).await.unwrap().enabled);
    assert!(matches!(
        s.set_password_revoking(UserId(Uuid::new_v4()), "$argon2id$d", now, true, |_| {
            Vec::new()
        })
        .await,
        Err(StorageError::NotFound)
    ));
}

/// Audit counts back per-organisation daily limits: by action, since a time, in one tenant.
async fn audit_actions_are_counted_per_org_and_window(db: &TestDb) {
    let s = &db.store;
    let (a, b) = (org(s, "count-a").await, org(s, "count-b").await);
    let before = Utc::now() - TimeDelta::seconds(1);
    for (o, action) in [
        (a, "invitation.created"),
        (a, "invitation.created"),
        (a, "member.removed"),
        (b, "invitation.created"),
    ] {
        s.record_audit(
            o,
            &flowsense_storage::NewAuditEvent {
                actor: None,
                action: action.into(),
                target: "t".into(),
                ip: "127.0.0.1".into(),
                details: serde_json::json!({}),
            },
        )
        .await
        .unwrap();
    }
    let count = |o, action: &'static str, since| s.count_audit_actions_since(o, action, since);
    assert_eq!(count(a, "invitation.created", before).await.unwrap(), 2);
    assert_eq!(count(b, "invitation.created", before).await.unwrap(), 1);
    assert_eq!(count(a, "member.removed", before).await.unwrap(), 1);
    let later = Utc::now() + TimeDelta::seconds(1);
    assert_eq!(count(a, "invitation.created", later).await.unwrap(), 0);
}

/// The SQLite database and its WAL and shared-memory files are readable by their owner only.
#[cfg(unix)]
#[tokio::test]
async fn sqlite_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let db = TestDb::sqlite().await;
    let u = user(&db.store, "mode@x.io").await;
    db.store.create_session(&session(u, 7), None).await.unwrap();
    let file = db.url.strip_prefix("sqlite://").unwrap().to_owned();
    for suffix in ["", "-wal", "-shm"] {
        let path = format!("{file}{suffix}");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{path} has mode {mode:o}");
    }
    // A database made by an older version with a looser mode is tightened when opened.
    db.store.close().await;
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let store = Store::open(&db.url, &flowsense_storage::OpenOptions::default())
        .await
        .unwrap();
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    store.close().await;
}

on_both_backends!(
    a_new_password_revokes_credentials,
    audit_actions_are_counted_per_org_and_window,
    mfa_codes_work_once,
    failed_sign_ins_are_counted_and_cleared,
);

//! The own-data part of the contract: notification preferences per membership, what a person's
//! export reads, and deleting an account (its rows go, an organisation keeps an admin).

use crate::support::TestDb;
use chrono::{TimeDelta, Utc};
use flowsense_core::{OrgId, Role, UserId};
use flowsense_storage::{
    AccountFootprint, NewApiToken, NewAuditEvent, NewSession, NewUser, NotificationPrefs,
    StorageError, Store, TokenScope,
};
use uuid::Uuid;

/// A user whose address is confirmed.
async fn user(s: &Store, email: &str) -> UserId {
    let id = unconfirmed_user(s, email).await;
    s.mark_email_verified(id, Utc::now()).await.unwrap();
    id
}

async fn unconfirmed_user(s: &Store, email: &str) -> UserId {
    s.create_user(&NewUser {
        email: email.into(),
        display_name: email.into(),
        password_hash: "$argon2id$placeholder".into(),
    })
    .await
    .unwrap()
    .id
}

async fn audit(s: &Store, org: OrgId, actor: UserId, target: String, action: &str) {
    s.record_audit(
        org,
        &NewAuditEvent {
            actor: Some(actor),
            action: action.into(),
            target,
            ip: "192.0.2.7".into(),
            details: serde_json::json!({}),
        },
    )
    .await
    .unwrap();
}

const OFF: NotificationPrefs = NotificationPrefs {
    weekly_digest: false,
};

pub async fn notification_prefs_are_per_membership(db: &TestDb) {
    let s = &db.store;
    let (a, b) = (super::org(s, "alpha").await, super::org(s, "bravo").await);
    let ann = user(s, "ann@x.io").await;
    let bob = user(s, "bob@x.io").await;
    s.set_membership(a, ann, Role::Admin).await.unwrap();
    s.set_membership(b, ann, Role::Member).await.unwrap();
    s.set_membership(a, bob, Role::Viewer).await.unwrap();
    s.set_membership(b, bob, Role::Admin).await.unwrap();
    // An address never confirmed gets no digest.
    let una = unconfirmed_user(s, "una@x.io").await;
    s.set_membership(a, una, Role::Member).await.unwrap();
    let now = Utc::now();

    // Nobody chose yet: everyone gets the digest.
    assert_eq!(
        s.notification_prefs(a, ann).await.unwrap(),
        NotificationPrefs::default()
    );
    assert!(NotificationPrefs::default().weekly_digest);
    let emails = |r: Vec<flowsense_storage::DigestRecipient>| {
        r.into_iter().map(|r| r.email).collect::<Vec<_>>()
    };
    assert_eq!(
        emails(s.weekly_digest_recipients(a).await.unwrap()),
        ["ann@x.io", "bob@x.io"]
    );

    // Opting out of one organisation leaves the other alone.
    s.set_notification_prefs(a, ann, OFF, now).await.unwrap();
    assert_eq!(s.notification_prefs(a, ann).await.unwrap(), OFF);
    assert!(s.notification_prefs(b, ann).await.unwrap().weekly_digest);
    assert_eq!(
        emails(s.weekly_digest_recipients(a).await.unwrap()),
        ["bob@x.io"]
    );
    assert_eq!(s.weekly_digest_recipient(a, ann).await.unwrap(), None);
    assert_eq!(s.weekly_digest_recipient(a, una).await.unwrap(), None);
    assert_eq!(
        s.weekly_digest_recipient(b, ann)
            .await
            .unwrap()
            .map(|r| r.email),
        Some("ann@x.io".to_owned())
    );
    assert_eq!(
        emails(s.weekly_digest_recipients(b).await.unwrap()),
        ["ann@x.io", "bob@x.io"]
    );
    // Idempotent, and back on.
    s.set_notification_prefs(a, ann, OFF, now).await.unwrap();
    s.set_notification_prefs(a, ann, NotificationPrefs::default(), now)
        .await
        .unwrap();
    assert!(s.notification_prefs(a, ann).await.unwrap().weekly_digest);

    // Outside a membership there is nothing to read or write, and nothing is written.
    let carl = user(s, "carl@x.io").await;
    let c = super::org(s, "charlie").await;
    s.set_membership(c, carl, Role::Admin).await.unwrap();
    assert!(matches!(
        s.notification_prefs(c, ann).await,
        Err(StorageError::NotFound)
    ));
    assert!(matches!(
        s.set_notification_prefs(c, ann, OFF, now).await,
        Err(StorageError::NotFound)
    ));
    assert!(matches!(
        s.notification_prefs(OrgId::new(), ann).await,
        Err(StorageError::NotFound)
    ));
    assert_eq!(
        emails(s.weekly_digest_recipients(c).await.unwrap()),
        ["carl@x.io"]
    );
    assert_eq!(s.weekly_digest_recipient(c, ann).await.unwrap(), None);

    // Leaving an organisation forgets the choice made there.
    s.set_notification_prefs(a, bob, OFF, now).await.unwrap();
    s.remove_member_keeping_an_admin(a, bob).await.unwrap();
    s.set_membership(a, bob, Role::Viewer).await.unwrap();
    assert!(s.notification_prefs(a, bob).await.unwrap().weekly_digest);
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

pub async fn deleting_an_account_removes_its_rows_and_keeps_every_organisation_an_admin(
    db: &TestDb,
) {
    let s = &db.store;
    let ann = user(s, "ann@x.io").await;
    let bob = user(s, "bob@x.io").await;
    let carl = user(s, "carl@x.io").await;
    // Ann: the only admin of `team` (Bob is a member), alone in `solo`, a member of `shop`.
    let team = super::org(s, "team").await;
    let solo = super::org(s, "solo").await;
    let shop = super::org(s, "shop").await;
    s.set_membership(team, ann, Role::Admin).await.unwrap();
    s.set_membership(team, bob, Role::Member).await.unwrap();
    s.set_membership(solo, ann, Role::Admin).await.unwrap();
    s.set_membership(shop, carl, Role::Admin).await.unwrap();
    s.set_membership(shop, ann, Role::Member).await.unwrap();

    let mut footprint = s.account_footprint(ann).await.unwrap();
    footprint.member_of.sort();
    assert_eq!(
        footprint,
        AccountFootprint {
            sole_admin_of: vec![team],
            sole_member_of: vec![solo],
            member_of: vec![shop],
        }
    );

    // Everything that is Ann's.
    s.create_session(&session(ann, 1), None).await.unwrap();
    s.create_session(&session(bob, 2), None).await.unwrap();
    let now = Utc::now();
    let token_hash = vec![9u8; 32];
    s.create_api_token(&NewApiToken {
        id: Uuid::new_v4(),
        user: ann,
        name: "ci".into(),
        token_hash: token_hash.clone(),
        scope: TokenScope::Read,
        created_at: now,
        expires_at: now + TimeDelta::days(1),
    })
    .await
    .unwrap();
    s.store_pending_mfa_secret(ann, vec![7; 40]).await.unwrap();
    s.enable_mfa(ann, &[vec![1; 32], vec![2; 32]])
        .await
        .unwrap();
    s.set_notification_prefs(shop, ann, OFF, now).await.unwrap();
    let talk = s
        .create_conversation(shop, ann, "Where did March's cash go?")
        .await
        .unwrap();
    s.create_conversation(shop, carl, "Carl's own question")
        .await
        .unwrap();
    audit(s, team, ann, format!("user:{ann}"), "auth.sign_in").await;
    audit(s, team, bob, format!("user:{ann}"), "member.role_changed").await;
    audit(s, team, bob, format!("user:{bob}"), "auth.sign_in").await;
    audit(s, shop, carl, format!("user:{carl}"), "auth.sign_in").await;

    // What an export reads: only events about Ann, only Ann's conversations, decrypted.
    let about: Vec<_> = s
        .audit_events_about_user(team, ann)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(about, ["auth.sign_in", "member.role_changed"]);
    assert!(
        s.audit_events_about_user(shop, ann)
            .await
            .unwrap()
            .is_empty()
    );
    let talks = s.conversations_of_user(shop, ann).await.unwrap();
    assert_eq!(talks.len(), 1);
    assert_eq!(
        (talks[0].id, talks[0].title.as_str()),
        (talk, "Where did March's cash go?")
    );
    assert!(
        !format!("{talks:?}").contains("March"),
        "Debug hides titles"
    );
    assert!(s.conversations_of_user(team, ann).await.unwrap().is_empty());

    // The only admin of an organisation with members cannot go, and nothing is removed.
    assert!(matches!(
        s.delete_user_keeping_admins(ann).await,
        Err(StorageError::Conflict(_))
    ));
    assert!(s.session_by_hash(&[1; 32]).await.unwrap().is_some());
    assert_eq!(s.memberships_of(ann).await.unwrap().len(), 3);

    // Once Bob is an admin too, Ann may go; her solo organisation goes first, with its keys.
    s.change_role_keeping_an_admin(team, bob, Role::Admin)
        .await
        .unwrap();
    let footprint = s.account_footprint(ann).await.unwrap();
    assert!(footprint.sole_admin_of.is_empty());
    s.delete_org(solo).await.unwrap();
    s.delete_user_keeping_admins(ann).await.unwrap();

    assert!(matches!(s.user(ann).await, Err(StorageError::NotFound)));
    assert!(s.user_by_email("ann@x.io").await.unwrap().is_none());
    assert!(s.session_by_hash(&[1; 32]).await.unwrap().is_none());
    assert!(s.sessions_of_user(ann).await.unwrap().is_empty());
    assert!(s.api_token_by_hash(&token_hash).await.unwrap().is_none());
    assert!(s.api_tokens_of(ann).await.unwrap().is_empty());
    assert_eq!(s.recovery_codes_left(ann).await.unwrap(), 0);
    assert!(s.memberships_of(ann).await.unwrap().is_empty());
    assert!(matches!(
        s.notification_prefs(shop, ann).await,
        Err(StorageError::NotFound)
    ));
    assert!(s.conversations_of_user(shop, ann).await.unwrap().is_empty());
    assert!(matches!(s.org(solo).await, Err(StorageError::NotFound)));
    // Everyone else is untouched; the audit log keeps its (pseudonymous) record.
    assert!(s.session_by_hash(&[2; 32]).await.unwrap().is_some());
    assert_eq!(s.role_in(team, bob).await.unwrap(), Some(Role::Admin));
    assert_eq!(s.conversations_of_user(shop, carl).await.unwrap().len(), 1);
    assert_eq!(s.audit_events(team, 100).await.unwrap().len(), 3);
    assert!(matches!(
        s.delete_user_keeping_admins(ann).await,
        Err(StorageError::NotFound)
    ));
}

//! Sessions rotate and are revoked; API tokens are found by hash and revoked once.

use super::*;

async fn sessions_rotate_and_revoke(db: &TestDb) {
    let s = &db.store;
    let (a, b) = (user(s, "a@x.io").await, user(s, "b@x.io").await);
    s.create_session(&session(a, 1), None).await.unwrap();
    let found = s.session_by_hash(&[1; 32]).await.unwrap().unwrap();
    assert_eq!(found.user(), a);
    assert!(
        !format!("{found:?}").contains("[1, 1"),
        "Debug hides hashes"
    );
    // Rotation: the new session replaces the old one in one step.
    s.create_session(&session(a, 2), Some(&[1; 32]))
        .await
        .unwrap();
    assert!(s.session_by_hash(&[1; 32]).await.unwrap().is_none());
    s.create_session(&session(a, 3), None).await.unwrap();
    s.create_session(&session(b, 4), None).await.unwrap();
    let later = Utc::now() + TimeDelta::minutes(5);
    s.touch_session(&[2; 32], later).await.unwrap();
    let touched = s.session_by_hash(&[2; 32]).await.unwrap().unwrap();
    assert_eq!(touched.last_seen_at.timestamp(), later.timestamp());
    assert_eq!(s.sessions_of_user(a).await.unwrap().len(), 2);
    // Another user's public id is not mine to revoke.
    let b_public = s.sessions_of_user(b).await.unwrap()[0].public_id;
    assert!(!s.delete_session_of_user(a, b_public).await.unwrap());
    assert!(s.delete_session_of_user(b, b_public).await.unwrap());
    assert_eq!(
        s.delete_sessions_of_user(a, Some(&[2; 32])).await.unwrap(),
        1
    );
    assert_eq!(s.sessions_of_user(a).await.unwrap().len(), 1);
    assert_eq!(s.delete_sessions_of_user(a, None).await.unwrap(), 1);
    assert!(!s.delete_session(&[2; 32]).await.unwrap());
}

/// The one-statement read every signed-in request makes: the same session and user as the two
/// reads it replaces, and nothing for an unknown token.
async fn a_session_is_read_with_its_user(db: &TestDb) {
    let s = &db.store;
    let (a, b) = (user(s, "a@x.io").await, user(s, "b@x.io").await);
    s.create_session(&session(a, 1), None).await.unwrap();
    s.create_session(&session(b, 2), None).await.unwrap();
    let (found, owner) = s.session_with_user(&[1; 32]).await.unwrap().unwrap();
    let alone = s.session_by_hash(&[1; 32]).await.unwrap().unwrap();
    assert_eq!(
        (
            found.public_id,
            found.user(),
            found.created_at,
            found.last_seen_at
        ),
        (
            alone.public_id,
            alone.user(),
            alone.created_at,
            alone.last_seen_at
        )
    );
    assert_eq!(owner, s.user(a).await.unwrap());
    let (_, other) = s.session_with_user(&[2; 32]).await.unwrap().unwrap();
    assert_eq!(other, s.user(b).await.unwrap());
    assert!(s.session_with_user(&[3; 32]).await.unwrap().is_none());
}

async fn tokens_are_found_by_hash_and_revoked_once(db: &TestDb) {
    let s = &db.store;
    let (a, b) = (user(s, "a@x.io").await, user(s, "b@x.io").await);
    let now = Utc::now();
    let id = Uuid::new_v4();
    s.create_api_token(&NewApiToken {
        id,
        user: a,
        name: "ci".into(),
        token_hash: vec![7; 32],
        scope: TokenScope::Read,
        created_at: now,
        expires_at: now + TimeDelta::days(90),
    })
    .await
    .unwrap();
    let t = s.api_token_by_hash(&[7; 32]).await.unwrap().unwrap();
    assert_eq!((t.id, t.user, t.scope), (id, a, TokenScope::Read));
    assert!(s.api_token_by_hash(&[8; 32]).await.unwrap().is_none());
    s.touch_api_token(id, now).await.unwrap();
    assert!(
        !s.revoke_api_token(b, id, now).await.unwrap(),
        "not b's token"
    );
    assert!(s.revoke_api_token(a, id, now).await.unwrap());
    assert!(
        !s.revoke_api_token(a, id, now).await.unwrap(),
        "already revoked"
    );
    let listed = s.api_tokens_of(a).await.unwrap();
    assert!(listed[0].revoked_at.is_some() && listed[0].last_used_at.is_some());
    assert!(s.api_tokens_of(b).await.unwrap().is_empty());
}

crate::on_both_backends!(
    sessions_rotate_and_revoke,
    a_session_is_read_with_its_user,
    tokens_are_found_by_hash_and_revoked_once,
);

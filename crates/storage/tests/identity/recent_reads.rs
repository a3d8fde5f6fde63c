//! The reads every signed-in request makes, kept for a moment (`Store::recent_*`): a write on
//! the same instance is seen by the next read, another instance's within `RECENT_FOR`.

use super::*;
use flowsense_storage::RECENT_FOR;

/// Each write that takes a right away is seen by the very next read on the same store: the
/// read before it had been kept.
async fn a_write_on_this_instance_is_seen_by_the_next_recent_read(db: &TestDb) {
    let s = &db.store;
    let o = org(s, "recent").await;
    let (admin, viewer) = (user(s, "a@x.io").await, user(s, "v@x.io").await);
    s.set_membership(o, admin, Role::Admin).await.unwrap();
    s.set_membership(o, viewer, Role::Viewer).await.unwrap();
    s.create_session(&session(viewer, 1), None).await.unwrap();

    // Read once (kept), then changed, then read again.
    assert!(s.recent_session_by_hash(&[1; 32]).await.unwrap().is_some());
    assert!(s.delete_session(&[1; 32]).await.unwrap());
    assert!(
        s.recent_session_by_hash(&[1; 32]).await.unwrap().is_none(),
        "signed out"
    );

    assert_eq!(
        s.recent_role_in(o, viewer).await.unwrap(),
        Some(Role::Viewer)
    );
    s.change_role_keeping_an_admin(o, viewer, Role::Member)
        .await
        .unwrap();
    assert_eq!(
        s.recent_role_in(o, viewer).await.unwrap(),
        Some(Role::Member),
        "role changed"
    );
    s.remove_member_keeping_an_admin(o, viewer).await.unwrap();
    assert_eq!(
        s.recent_role_in(o, viewer).await.unwrap(),
        None,
        "member removed"
    );

    assert!(s.recent_user(viewer).await.unwrap().disabled_at.is_none());
    s.set_user_disabled(viewer, Some(Utc::now())).await.unwrap();
    assert!(
        s.recent_user(viewer).await.unwrap().disabled_at.is_some(),
        "user disabled"
    );

    let before = s.recent_org(o).await.unwrap();
    assert!(!before.settings.mfa_required);
    let settings = OrgSettings {
        mfa_required: true,
        ..before.settings.clone()
    };
    s.update_org_name_and_settings(o, "recent", &settings)
        .await
        .unwrap();
    assert!(
        s.recent_org(o).await.unwrap().settings.mfa_required,
        "organisation settings changed"
    );
}

/// A write by another instance of the same database is seen once `RECENT_FOR` has passed
/// (nothing tells this instance about it sooner), and at once after `forget_recent_reads`.
async fn another_instances_write_is_seen_within_the_bound(db: &TestDb) {
    let s = &db.store;
    let other = db.reopen().await;
    let o = org(s, "bound").await;
    let (admin, viewer) = (user(s, "a@x.io").await, user(s, "v@x.io").await);
    s.set_membership(o, admin, Role::Admin).await.unwrap();
    s.set_membership(o, viewer, Role::Viewer).await.unwrap();
    s.create_session(&session(viewer, 2), None).await.unwrap();

    assert!(s.recent_session_by_hash(&[2; 32]).await.unwrap().is_some());
    assert!(s.recent_role_in(o, viewer).await.unwrap().is_some());
    other.delete_session(&[2; 32]).await.unwrap();
    other
        .remove_member_keeping_an_admin(o, viewer)
        .await
        .unwrap();
    // What this instance may still use is bounded by time, not by luck.
    tokio::time::sleep(RECENT_FOR).await;
    assert!(s.recent_session_by_hash(&[2; 32]).await.unwrap().is_none());
    assert_eq!(s.recent_role_in(o, viewer).await.unwrap(), None);

    // And dropped at once when told.
    s.set_membership(o, viewer, Role::Viewer).await.unwrap();
    assert_eq!(
        s.recent_role_in(o, viewer).await.unwrap(),
        Some(Role::Viewer)
    );
    other
        .change_role_keeping_an_admin(o, viewer, Role::Admin)
        .await
        .unwrap();
    s.forget_recent_reads();
    assert_eq!(
        s.recent_role_in(o, viewer).await.unwrap(),
        Some(Role::Admin)
    );
    other.close().await;
}

crate::on_both_backends!(
    a_write_on_this_instance_is_seen_by_the_next_recent_read,
    another_instances_write_is_seen_within_the_bound,
);

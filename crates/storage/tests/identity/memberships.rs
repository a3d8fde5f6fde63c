//! Invitations are tenant-scoped and single-use; an organisation always keeps an admin.

use super::*;

async fn invitations_are_tenant_scoped_and_single_use(db: &TestDb) {
    let s = &db.store;
    let (o1, o2) = (org(s, "one").await, org(s, "two").await);
    let admin = user(s, "admin@x.io").await;
    let guest = user(s, "guest@x.io").await;
    s.set_membership(o1, admin, Role::Admin).await.unwrap();
    let now = Utc::now();
    let inv = s
        .create_invitation(
            o1,
            &NewInvitation {
                id: Uuid::new_v4(),
                email: "Guest@X.io".into(),
                role: Role::Member,
                token_hash: vec![9; 32],
                invited_by: admin,
                created_at: now,
                expires_at: now + TimeDelta::days(7),
            },
            &[],
        )
        .await
        .unwrap();
    assert_eq!(inv.email, "guest@x.io");
    assert!(
        s.invitation_by_token(o2, &[9; 32]).await.unwrap().is_none(),
        "other tenant"
    );
    let found = s.invitation_by_token(o1, &[9; 32]).await.unwrap().unwrap();
    assert_eq!(found.id, inv.id);
    assert_eq!(
        s.accept_invitation(o1, inv.id, guest, now).await.unwrap(),
        Role::Member
    );
    assert_eq!(s.role_in(o1, guest).await.unwrap(), Some(Role::Member));
    assert!(matches!(
        s.accept_invitation(o1, inv.id, guest, now).await,
        Err(StorageError::Conflict(_))
    ));
    assert!(matches!(
        s.accept_invitation(o2, inv.id, guest, now).await,
        Err(StorageError::Conflict(_))
    ));
    assert!(
        s.invitation_by_token(o1, &[9; 32])
            .await
            .unwrap()
            .unwrap()
            .accepted_at
            .is_some()
    );
}

async fn an_organisation_always_keeps_an_admin(db: &TestDb) {
    let s = &db.store;
    let (o, other) = (org(s, "keep").await, org(s, "else").await);
    let (a, b) = (user(s, "a@x.io").await, user(s, "b@x.io").await);
    s.set_membership(o, a, Role::Admin).await.unwrap();
    s.set_membership(o, b, Role::Viewer).await.unwrap();
    let last = |r: Result<(), StorageError>| matches!(r, Err(StorageError::Conflict("last admin")));
    assert!(last(
        s.change_role_keeping_an_admin(o, a, Role::Member).await
    ));
    assert!(last(s.remove_member_keeping_an_admin(o, a).await));
    assert!(matches!(
        s.change_role_keeping_an_admin(other, a, Role::Viewer).await,
        Err(StorageError::NotFound)
    ));
    s.change_role_keeping_an_admin(o, b, Role::Admin)
        .await
        .unwrap();
    s.change_role_keeping_an_admin(o, a, Role::Member)
        .await
        .unwrap();
    assert!(last(
        s.change_role_keeping_an_admin(o, b, Role::Viewer).await
    ));
    s.remove_member_keeping_an_admin(o, a).await.unwrap();
    assert!(matches!(
        s.remove_member_keeping_an_admin(o, a).await,
        Err(StorageError::NotFound)
    ));
    let details = s.member_details(o).await.unwrap();
    assert_eq!(details.len(), 1);
    assert_eq!((details[0].user_id, details[0].role), (b, Role::Admin));
    let mine = s.orgs_of_user(b).await.unwrap();
    assert_eq!((mine.len(), mine[0].role), (1, Role::Admin));
}

/// The one-statement read of a request about an organisation: the member's role and the
/// organisation as `org` reads it; nothing for someone who is not a member, even of another
/// organisation.
async fn a_role_is_read_with_its_organisation(db: &TestDb) {
    let s = &db.store;
    let (o1, o2) = (org(s, "one").await, org(s, "two").await);
    let (admin, viewer) = (user(s, "admin@x.io").await, user(s, "viewer@x.io").await);
    s.set_membership(o1, admin, Role::Admin).await.unwrap();
    s.set_membership(o2, viewer, Role::Viewer).await.unwrap();
    let (role, organisation) = s.role_and_org(o1, admin).await.unwrap().unwrap();
    assert_eq!(role, Role::Admin);
    assert_eq!(organisation, s.org(o1).await.unwrap());
    let (role, organisation) = s.role_and_org(o2, viewer).await.unwrap().unwrap();
    assert_eq!((role, organisation.id), (Role::Viewer, o2));
    assert!(s.role_and_org(o2, admin).await.unwrap().is_none());
    assert!(s.role_and_org(o1, viewer).await.unwrap().is_none());
}

crate::on_both_backends!(
    a_role_is_read_with_its_organisation,
    invitations_are_tenant_scoped_and_single_use,
    an_organisation_always_keeps_an_admin,
);

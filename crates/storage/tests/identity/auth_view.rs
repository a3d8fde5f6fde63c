//! The sign-in data a request reads through an [`AuthView`]: kept in memory while the sign-in
//! epoch stands, and never kept past a change that another instance (another store on the same
//! database) commits.

use super::*;
use flowsense_storage::AuthView;

async fn epoch(s: &Store) -> i64 {
    s.auth_view().await.unwrap().epoch()
}

fn token(user: UserId, tag: u8) -> NewApiToken {
    let now = Utc::now();
    NewApiToken {
        id: Uuid::new_v4(),
        user,
        name: "ci".into(),
        token_hash: vec![tag; 32],
        scope: TokenScope::Read,
        created_at: now,
        expires_at: now + TimeDelta::days(90),
    }
}

/// Everything the view serves, read once so that it is cached.
async fn read_all(view: &AuthView, org: OrgId, ann: UserId) {
    assert!(view.session_with_user(&[1; 32]).await.unwrap().is_some());
    assert!(view.api_token(&[9; 32]).await.unwrap().is_some());
    view.user(ann).await.unwrap();
    assert!(view.role_and_org(org, ann).await.unwrap().is_some());
    assert_eq!(view.orgs_of_user(ann).await.unwrap().len(), 1);
}

async fn another_instances_changes_are_seen_by_the_next_view(db: &TestDb) {
    let here = &db.store;
    let there = db.reopen().await;
    let o = org(here, "acme").await;
    let ann = user(here, "ann@x.io").await;
    here.set_membership(o, ann, Role::Admin).await.unwrap();
    here.create_session(&session(ann, 1), None).await.unwrap();
    let t = token(ann, 9);
    here.create_api_token(&t).await.unwrap();

    let view = here.auth_view().await.unwrap();
    read_all(&view, o, ann).await;

    // Last-seen and last-used times are written by requests all the time: they move nothing,
    // and the next view still answers from memory (the time it kept, not the one written).
    let later = Utc::now() + TimeDelta::minutes(5);
    there.touch_session(&[1; 32], later).await.unwrap();
    there.touch_api_token(t.id, later).await.unwrap();
    let same = here.auth_view().await.unwrap();
    assert_eq!(same.epoch(), view.epoch());
    let (kept, _) = same.session_with_user(&[1; 32]).await.unwrap().unwrap();
    assert_ne!(
        kept.last_seen_at.timestamp(),
        later.timestamp(),
        "served from memory"
    );
    let (fresh, _) = same
        .session_with_user_afresh(&[1; 32])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(fresh.last_seen_at.timestamp(), later.timestamp());

    // A role changed elsewhere.
    let bob = user(&there, "bob@x.io").await;
    there.set_membership(o, bob, Role::Admin).await.unwrap();
    there
        .change_role_keeping_an_admin(o, ann, Role::Viewer)
        .await
        .unwrap();
    let view = here.auth_view().await.unwrap();
    assert_eq!(
        view.role_and_org(o, ann).await.unwrap().unwrap().0,
        Role::Viewer
    );
    assert_eq!(view.orgs_of_user(ann).await.unwrap()[0].role, Role::Viewer);
    read_all(&view, o, ann).await;

    // The organisation renamed elsewhere.
    let settings = view
        .role_and_org(o, ann)
        .await
        .unwrap()
        .unwrap()
        .1
        .settings
        .clone();
    there
        .update_org_name_and_settings(o, "Acme Renamed", &settings)
        .await
        .unwrap();
    let view = here.auth_view().await.unwrap();
    assert_eq!(
        view.role_and_org(o, ann).await.unwrap().unwrap().1.name,
        "Acme Renamed"
    );
    assert_eq!(
        view.orgs_of_user(ann).await.unwrap()[0].name,
        "Acme Renamed"
    );

    // A new organisation joined elsewhere is listed at once.
    let o2 = org(&there, "beta").await;
    there.set_membership(o2, ann, Role::Member).await.unwrap();
    let view = here.auth_view().await.unwrap();
    assert_eq!(view.orgs_of_user(ann).await.unwrap().len(), 2);

    // The token revoked elsewhere.
    there.revoke_api_token(ann, t.id, Utc::now()).await.unwrap();
    let view = here.auth_view().await.unwrap();
    assert!(
        view.api_token(&[9; 32])
            .await
            .unwrap()
            .unwrap()
            .revoked_at
            .is_some()
    );

    // Removed from the organisation elsewhere.
    there.remove_member_keeping_an_admin(o, ann).await.unwrap();
    let view = here.auth_view().await.unwrap();
    assert!(view.role_and_org(o, ann).await.unwrap().is_none());

    // Signed out elsewhere.
    assert!(view.session_with_user(&[1; 32]).await.unwrap().is_some());
    there.delete_session(&[1; 32]).await.unwrap();
    let view = here.auth_view().await.unwrap();
    assert!(view.session_with_user(&[1; 32]).await.unwrap().is_none());

    // Signed in again, then the user disabled elsewhere (which ends their sessions too).
    here.create_session(&session(ann, 2), None).await.unwrap();
    let view = here.auth_view().await.unwrap();
    assert!(view.session_with_user(&[2; 32]).await.unwrap().is_some());
    assert!(view.user(ann).await.unwrap().disabled_at.is_none());
    there
        .set_user_disabled(ann, Some(Utc::now()))
        .await
        .unwrap();
    let view = here.auth_view().await.unwrap();
    assert!(view.user(ann).await.unwrap().disabled_at.is_some());
    assert!(view.session_with_user(&[2; 32]).await.unwrap().is_none());
    there.close().await;
}

/// Every column of `table` in the database, whatever migration added it.
async fn columns(db: &TestDb, table: &str) -> Vec<String> {
    if db.is_sqlite() {
        crate::support::sqlite_columns(&db.url)
            .await
            .into_iter()
            .filter_map(|c| c.strip_prefix(&format!("{table}.")).map(str::to_owned))
            .collect()
    } else {
        crate::support::postgres_columns(&db.url, table).await
    }
}

/// A column added to sessions or API tokens later moves the epoch unless it is one that
/// requests write on every hit; every column is tried, so the triggers' lists cannot fall
/// behind the tables.
async fn every_column_but_the_activity_times_moves_the_epoch(db: &TestDb) {
    let s = &db.store;
    let ann = user(s, "ann@x.io").await;
    s.create_session(&session(ann, 1), None).await.unwrap();
    s.create_api_token(&token(ann, 9)).await.unwrap();
    for (table, activity) in [("sessions", "last_seen_at"), ("api_tokens", "last_used_at")] {
        let all = columns(db, table).await;
        assert!(all.contains(&activity.to_owned()), "{table}: {all:?}");
        for column in all {
            let before = epoch(s).await;
            let n = db
                .execute_raw(&format!("UPDATE {table} SET {column} = {column}"))
                .await;
            assert_eq!(n, 1);
            let moved = epoch(s).await != before;
            assert_eq!(
                moved,
                column != activity,
                "{table}.{column} should {}move the sign-in epoch",
                if column == activity { "not " } else { "" }
            );
        }
    }
    // Users, memberships and organisations: any change at all.
    let o = org(s, "acme").await;
    for statement in [
        "UPDATE users SET failed_logins = failed_logins",
        "UPDATE organisations SET books_version = books_version + 1",
    ] {
        let before = epoch(s).await;
        db.execute_raw(statement).await;
        assert_ne!(epoch(s).await, before, "{statement}");
    }
    let before = epoch(s).await;
    s.set_membership(o, ann, Role::Member).await.unwrap();
    assert_ne!(epoch(s).await, before, "a membership added");
}

on_both_backends!(
    another_instances_changes_are_seen_by_the_next_view,
    every_column_but_the_activity_times_moves_the_epoch,
);

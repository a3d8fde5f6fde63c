//! Invitations (bound to the invited address, single use, expiring) and the last-admin rule.

use crate::support::{Db, PASSWORD, code_of, spawn_app};
use chrono::TimeDelta;
use flowsense_core::Role;
use flowsense_service::identity::accounts::create_user_with_password;
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn invitations_are_bound_single_use_and_expiring(db: Db) {
    let app = spawn_app(db).await;
    let admin = app.user("nia@x.test").await;
    let org = app.org("team", admin).await;
    let mut a = app.signed_in("nia@x.test").await;
    let invite = |email: &str| json!({"email": email, "role": "member"});
    let (s, inv) = a
        .post(
            &format!("/api/v1/orgs/{org}/invitations"),
            invite("oz@x.test"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{inv}");
    assert!(inv.get("token").is_none() && inv.get("token_hash").is_none());
    let token = app.token_mailed_to("oz@x.test").await;

    app.user("other@x.test").await;
    let mut other = app.signed_in("other@x.test").await;
    let (s, body) = other
        .post("/api/v1/invitations/accept", json!({"token": token}))
        .await;
    assert_eq!(
        (s, code_of(&body)),
        (StatusCode::FORBIDDEN, "invitation_email_mismatch")
    );

    create_user_with_password(&app.state, "oz@x.test", "Oz", PASSWORD, false)
        .await
        .expect("user");
    let mut oz = app.signed_in("oz@x.test").await;
    let (s, body) = oz
        .post("/api/v1/invitations/accept", json!({"token": token}))
        .await;
    assert_eq!(
        (s, code_of(&body)),
        (StatusCode::FORBIDDEN, "email_not_verified")
    );
    let oz_user = app
        .state
        .store
        .user_by_email("oz@x.test")
        .await
        .expect("db")
        .expect("oz");
    app.state
        .store
        .mark_email_verified(oz_user.id, chrono::Utc::now())
        .await
        .expect("verify");
    let (s, body) = oz
        .post("/api/v1/invitations/accept", json!({"token": token}))
        .await;
    assert_eq!((s, &body["role"]), (StatusCode::OK, &json!("member")));
    assert_eq!(
        oz.get(&format!("/api/v1/orgs/{org}/members")).await.0,
        StatusCode::OK
    );
    let (s, body) = oz
        .post("/api/v1/invitations/accept", json!({"token": token}))
        .await;
    assert_eq!(
        (s, code_of(&body)),
        (StatusCode::CONFLICT, "invitation_used")
    );
    let (s, _) = oz
        .post("/api/v1/invitations/accept", json!({"token": "garbage"}))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    a.post(
        &format!("/api/v1/orgs/{org}/invitations"),
        invite("other@x.test"),
    )
    .await;
    let late = app.token_mailed_to("other@x.test").await;
    app.advance(TimeDelta::days(8));
    let mut other = app.signed_in("other@x.test").await;
    let (s, body) = other
        .post("/api/v1/invitations/accept", json!({"token": late}))
        .await;
    assert_eq!(
        (s, code_of(&body)),
        (StatusCode::CONFLICT, "invitation_expired")
    );
}

async fn an_organisation_keeps_an_admin(db: Db) {
    let app = spawn_app(db).await;
    let admin = app.user("pia@x.test").await;
    let org = app.org("solo", admin).await;
    let member = app.member(org, "quinn@x.test", Role::Member).await;
    let mut a = app.signed_in("pia@x.test").await;
    let me = format!("/api/v1/orgs/{org}/members/{admin}");
    let (s, body) = a
        .send(Method::PATCH, &me, Some(json!({"role": "member"})))
        .await;
    assert_eq!((s, code_of(&body)), (StatusCode::CONFLICT, "last_admin"));
    let (s, body) = a.send(Method::DELETE, &me, None).await;
    assert_eq!((s, code_of(&body)), (StatusCode::CONFLICT, "last_admin"));
    // Step-up: stale authentication cannot change roles.
    app.advance(TimeDelta::minutes(11));
    let (s, body) = a
        .send(
            Method::PATCH,
            &format!("/api/v1/orgs/{org}/members/{member}"),
            Some(json!({"role": "viewer"})),
        )
        .await;
    assert_eq!(
        (s, code_of(&body)),
        (StatusCode::FORBIDDEN, "reauthentication_required")
    );
    a.post("/api/v1/auth/reauthenticate", json!({"password": PASSWORD}))
        .await;
    // Ownership transfer: the member becomes admin, the old admin steps down.
    let (s, _) = a
        .post(
            &format!("/api/v1/orgs/{org}/ownership"),
            json!({"user": member.to_string(), "demote_self_to": "member"}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(
        app.state.store.role_in(org, member).await.expect("role"),
        Some(Role::Admin)
    );
    assert_eq!(
        app.state.store.role_in(org, admin).await.expect("role"),
        Some(Role::Member)
    );
    // The current role is read on every request: the same session lost admin rights at once.
    let (s, _) = a
        .send(
            Method::PATCH,
            &format!("/api/v1/orgs/{org}/settings"),
            Some(json!({"ai_enabled": false})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let mut q = app.signed_in("quinn@x.test").await;
    let (s, body) = q
        .send(
            Method::PATCH,
            &format!("/api/v1/orgs/{org}/settings"),
            Some(json!({"retention_days": 0})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (s, _) = q
        .send(
            Method::DELETE,
            &format!("/api/v1/orgs/{org}/members/{admin}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(
        a.get(&format!("/api/v1/orgs/{org}/members")).await.0,
        StatusCode::NOT_FOUND,
        "removed"
    );
    // A signed-up user creates their own organisation and becomes its admin.
    let (s, created) = a
        .post(
            "/api/v1/orgs",
            json!({"name": "Mine", "slug": "mine", "base_currency": "GBP"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let (s, body) = a
        .post(
            "/api/v1/orgs",
            json!({"name": "Again", "slug": "mine", "base_currency": "GBP"}),
        )
        .await;
    // A taken slug is a refused form value: 422 on the `slug` field, saying why.
    assert_eq!(
        (s, code_of(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "slug_taken")
    );
    assert_eq!(body["error"]["field"], json!("slug"), "{body}");
    assert_eq!(
        body["error"]["message"],
        json!("that organisation slug is taken")
    );
    let (_, me) = a.get("/api/v1/me").await;
    assert_eq!(me["organisations"][0]["role"], json!("admin"));
}

crate::on_both_backends!(
    invitations_are_bound_single_use_and_expiring,
    an_organisation_keeps_an_admin
);
